package io.structops.elf.internal;

/** The ELF reader without a framework, for tests. */
public final class ElfReaderAccess extends BpfObjectReaderComponent {
}
