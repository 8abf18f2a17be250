package io.structops.btf.internal;

/** The BTF reader without a framework, for tests. */
public final class BtfReaderAccess extends BtfReaderComponent {
}
