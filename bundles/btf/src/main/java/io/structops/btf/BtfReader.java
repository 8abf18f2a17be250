package io.structops.btf;

import io.structops.elf.BpfObject;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** Parses BTF. Offered as an OSGi service; thread-safe. */
@ProviderType
public interface BtfReader {
    /**
     * The most bytes of a BTF file or of an object carrying BTF that the runtime reads into memory (vmlinux's BTF is
     * a few MB); a larger one is refused, counting what is read.
     */
    long MAX_FILE_BYTES = 256L << 20;

    /**
     * Parses a complete BTF blob. The segment is read in place and must stay readable as long as the result is
     * used (a heap segment, or a mapping whose arena outlives the BTF).
     */
    Btf read(String source, MemorySegment bytes) throws BtfException;

    /** Parses split BTF (a kernel module's) whose ids and strings continue those of {@code base}. */
    Btf readSplit(String source, MemorySegment bytes, Btf base) throws BtfException;

    /**
     * Parses BTF that the running kernel has already verified: {@code /sys/kernel/btf/vmlinux} (checked when the
     * kernel booted) or a module's file there (checked when the module loaded), with {@code base} null for
     * vmlinux. Only the layout is checked (every type's size fits, every name offset is in the string section);
     * the checks the kernel made of member names, referenced ids, prototypes and reference loops are not repeated.
     */
    Btf readKernelVerified(String source, MemorySegment bytes, Btf base) throws BtfException;

    /** The object's {@code .BTF} section, if it has one. */
    Optional<Btf> read(BpfObject object) throws BtfException;

    /**
     * The object's BTF as an editor, with what clang leaves out filled in from the ELF: DATASEC sizes from the
     * sections and variable offsets from the symbols. The loader sanitises and encodes it for BPF_BTF_LOAD.
     */
    BtfEditor editForLoad(BpfObject object, Btf btf) throws BtfException;

    /** The object's {@code .BTF.ext} section, if it has one. */
    Optional<BtfExt> readExt(BpfObject object) throws BtfException;
}
