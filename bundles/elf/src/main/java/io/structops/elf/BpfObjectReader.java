package io.structops.elf;

import java.io.IOException;
import java.nio.file.Path;
import org.osgi.annotation.versioning.ProviderType;

/** Reads BPF ELF objects. Offered as an OSGi service; thread-safe. */
@ProviderType
public interface BpfObjectReader {

    /**
     * Reads and classifies an object file.
     *
     * @throws IOException if the file cannot be read
     * @throws ElfFormatException if it is not a well-formed BPF ELF object; the message names the file, the part at
     *         fault and the problem
     */
    BpfObject read(Path file) throws IOException, ElfFormatException;

    /** Reads an object held in memory; {@code name} is used in messages. */
    BpfObject read(String name, byte[] contents) throws ElfFormatException;

    /** Reads the ELF structure only, without BPF classification. */
    ElfFile readElf(String name, byte[] contents) throws ElfFormatException;
}
