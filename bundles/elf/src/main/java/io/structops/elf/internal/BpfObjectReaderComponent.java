package io.structops.elf.internal;

import io.structops.elf.BpfObject;
import io.structops.elf.BpfObjectReader;
import io.structops.elf.ElfFile;
import io.structops.elf.ElfFormatException;
import io.structops.syscall.files.OpenFile;
import java.io.IOException;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Component;

/** The reader as a DS service: stateless, so one instance serves every caller. */
@Component(service = BpfObjectReader.class)
public class BpfObjectReaderComponent implements BpfObjectReader {
    /** Objects larger than this are refused, counting what is read: real BPF objects are well under a few MB. */
    static final long MAX_OBJECT_SIZE = 256L << 20;

    @Override
    public BpfObject read(Path file) throws IOException, ElfFormatException {
        // Only a regular file, and no more of it than the limit: a device or a FIFO given as an object is refused.
        try (OpenFile open = OpenFile.open(file)) {
            return read(file.toString(), open.readAll(MAX_OBJECT_SIZE));
        }
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
