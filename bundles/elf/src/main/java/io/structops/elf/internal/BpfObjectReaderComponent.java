package io.structops.elf.internal;

import io.structops.elf.BpfObject;
import io.structops.elf.BpfObjectReader;
import io.structops.elf.ElfFile;
import io.structops.elf.ElfFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Component;

/** The reader as a DS service: stateless, so one instance serves every caller. */
@Component(service = BpfObjectReader.class)
public class BpfObjectReaderComponent implements BpfObjectReader {
    /** Objects larger than this are refused before being read: real BPF objects are well under a few MB. */
    static final long MAX_OBJECT_SIZE = 256L << 20;

    @Override
    public BpfObject read(Path file) throws IOException, ElfFormatException {
        long size = Files.size(file);
        if (size > MAX_OBJECT_SIZE) {
            throw new ElfFormatException(file.toString(), "file", "is " + size + " bytes, over the "
                    + MAX_OBJECT_SIZE + "-byte limit for an object");
        }
        return read(file.toString(), Files.readAllBytes(file));
    }

    @Override
    public BpfObject read(String name, byte[] contents) throws ElfFormatException {
        return BpfClassifier.classify(readElf(name, contents));
    }

    @Override
    public ElfFile readElf(String name, byte[] contents) throws ElfFormatException {
        return ElfParser.parse(name, contents);
    }
}
