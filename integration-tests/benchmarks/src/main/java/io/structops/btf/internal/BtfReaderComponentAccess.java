package io.structops.btf.internal;

/** The BTF reader outside a framework, for the benchmarks. */
public final class BtfReaderComponentAccess extends BtfReaderComponent {}
