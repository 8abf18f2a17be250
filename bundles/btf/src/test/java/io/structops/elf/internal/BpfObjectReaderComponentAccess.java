package io.structops.elf.internal;

/** Lets the BTF tests read objects without a framework; the reader's class is public, its package is not exported. */
public final class BpfObjectReaderComponentAccess extends BpfObjectReaderComponent {
}
