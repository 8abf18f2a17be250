package io.structops.syscall;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The bpf(2) commands structops uses. Every method either succeeds or throws a {@link BpfException} naming the
 * command and the errno; descriptors returned are the caller's to close. Offered as an OSGi service; thread-safe.
 */
@ProviderType
public interface Bpf {

    /** Loads BTF; on failure the exception carries the kernel's BTF log. */
    BpfFd btfLoad(byte[] btf, String description) throws BpfException;

    /** Fields of BPF_MAP_CREATE; zero means "not set" as in the kernel. */
    record MapCreate(
            int mapType,
            String name,
            int keySize,
            int valueSize,
            int maxEntries,
            int mapFlags,
            int btfFd,
            int btfKeyTypeId,
            int btfValueTypeId,
            int btfVmlinuxValueTypeId,
            int valueTypeBtfObjFd,
            int innerMapFd,
            int numaNode,
            long mapExtra) {}

    BpfFd mapCreate(MapCreate spec) throws BpfException;

    void mapUpdate(BpfFd map, byte[] key, byte[] value, long flags) throws BpfException;

    /** The value of a key, or empty if the key is absent (ENOENT). */
    Optional<byte[]> mapLookup(BpfFd map, byte[] key, int valueSize) throws BpfException;

    void mapDelete(BpfFd map, byte[] key) throws BpfException;

    /**
     * The key after {@code key} (BPF_MAP_GET_NEXT_KEY), or the first key when {@code key} is null; empty after the
     * last. Keys deleted meanwhile make the kernel start again from the first, as for bpftool.
     */
    Optional<byte[]> mapNextKey(BpfFd map, byte[] key, int keySize) throws BpfException;

    /**
     * One batch of entries (BPF_MAP_LOOKUP_BATCH).
     *
     * @param keys the keys read, each {@code keySize} bytes
     * @param values their values, each {@code valueSize} bytes (all possible CPUs' values for a per-CPU map)
     * @param next the position to continue from, for the next call
     * @param done whether the map has no entries after these
     */
    record Batch(List<byte[]> keys, List<byte[]> values, byte[] next, boolean done) {}

    /**
     * Up to {@code count} entries from {@code position} (null for the start), as one BPF_MAP_LOOKUP_BATCH call.
     * {@code positionSize} is the map's batch token size: the key size for hash maps, 4 for arrays. Kernels or map
     * types without batch operations fail with EINVAL or ENOTSUPP; callers fall back to {@link #mapNextKey}.
     */
    Batch mapLookupBatch(BpfFd map, byte[] position, int positionSize, int keySize, int valueSize, int count)
            throws BpfException;

    /**
     * The first {@code size} bytes of an mmapable map's values (one created with BPF_F_MMAPABLE, such as global
     * data), mapped read-only and shared: reads see what programs write, as they write it. Unmapped when
     * {@code arena} closes; an IOException names the errno when the kernel refuses (a map not made mmapable).
     */
    MemorySegment mapMmapReadOnly(BpfFd map, long size, Arena arena) throws IOException;

    /**
     * {@code size} bytes of a map's memory from {@code offset} (a multiple of the page size), mapped shared, and
     * writable if asked: what a ring buffer's consumer maps (its consumer position page writable, the producer page
     * and data read-only). Unmapped when {@code arena} closes.
     */
    MemorySegment mapMmap(BpfFd map, long offset, long size, boolean writable, Arena arena) throws IOException;

    /**
     * An arena map's whole range, {@code size} bytes, mapped shared and writable at {@code address} (the
     * {@code map_extra} it was created with) or, when that is 0, where the kernel chooses: the first mapping fixes
     * the arena's user address, which programs that use the arena need before they load. A mapping already at
     * {@code address} is never replaced: the kernel's EEXIST is the IOException. Unmapped when {@code arena} closes;
     * the arena's pages stay the map's.
     */
    MemorySegment mapMmapArena(BpfFd map, long address, long size, Arena arena) throws IOException;

    /**
     * Waits until {@code map} has something to read (a ring buffer with records, BPF's poll), at most
     * {@code timeoutMillis}; true if it has.
     */
    boolean mapPoll(BpfFd map, int timeoutMillis) throws IOException;

    /** The size of a memory page, the unit of {@link #mapMmap}'s offsets. */
    int pageSize();

    void mapFreeze(BpfFd map) throws BpfException;

    /** Fields of BPF_PROG_LOAD. {@code funcInfo}/{@code lineInfo} are records as {@code .BTF.ext} holds them. */
    record ProgLoad(
            int progType,
            String name,
            byte[] instructions,
            String license,
            int expectedAttachType,
            int attachBtfId,
            int attachBtfObjFd,
            int progFlags,
            int btfFd,
            int funcInfoRecSize,
            byte[] funcInfo,
            int lineInfoRecSize,
            byte[] lineInfo,
            int[] fdArray) {}

    /**
     * Loads a program. It is first tried without a log; if the kernel refuses it, it is loaded again with a log
     * (growing the buffer and the level as needed) so that the exception carries the verifier's explanation.
     */
    BpfFd progLoad(ProgLoad spec) throws BpfException;

    /**
     * Keeps {@code map} referenced by {@code program} for the program's life, though no instruction names it
     * (BPF_PROG_BIND_MAP, Linux 5.10): how libbpf keeps an object's {@code .rodata}, where bpftool reads a program's
     * {@code bpf_metadata_} variables, with every program.
     */
    void progBindMap(BpfFd program, BpfFd map) throws BpfException;

    /** Creates a link: for struct_ops, {@code progOrMapFd} is the map and attach type BPF_STRUCT_OPS. */
    BpfFd linkCreate(BpfFd progOrMap, int targetFd, int attachType, int flags) throws BpfException;

    /** Replaces what a link points to: for struct_ops, a new map. */
    void linkUpdate(BpfFd link, BpfFd newProgOrMap, int flags) throws BpfException;

    void linkDetach(BpfFd link) throws BpfException;

    void objPin(BpfFd fd, Path path) throws BpfException;

    BpfFd objGet(Path path) throws BpfException;

    /** Kinds of kernel object with ids. */
    enum ObjectType {
        PROG,
        MAP,
        BTF,
        LINK
    }

    /** The next id after {@code startId} (0 for the first), or empty after the last. */
    OptionalInt nextId(ObjectType type, int startId) throws BpfException;

    /** Every id of a kind, in order. */
    default List<Integer> ids(ObjectType type) throws BpfException {
        List<Integer> ids = new ArrayList<>();
        for (OptionalInt id = nextId(type, 0); id.isPresent(); id = nextId(type, id.getAsInt())) {
            ids.add(id.getAsInt());
        }
        return ids;
    }

    /** A descriptor for an object by id; empty if it vanished meanwhile (ENOENT). */
    Optional<BpfFd> fdById(ObjectType type, int id) throws BpfException;

    record MapInfo(
            int type,
            int id,
            int keySize,
            int valueSize,
            int maxEntries,
            int mapFlags,
            String name,
            int btfVmlinuxValueTypeId,
            int btfId,
            int btfVmlinuxId,
            int btfValueTypeId,
            int btfKeyTypeId) {}

    /**
     * What the kernel says of a program.
     *
     * @param name the kernel's name, cut to 15 characters
     * @param btfId the program's BTF object (0 if loaded without BTF)
     * @param tag the kernel's tag of the program's instructions, in hex
     */
    record ProgInfo(
            int type, int id, String name, int btfId, long runTimeNs, long runCount, int attachBtfId, String tag) {}

    record LinkInfo(int type, int id, int progId, int structOpsMapId) {}

    /** A kernel BTF object: {@code vmlinux}, a module's name, or empty for BTF loaded by a program. */
    record BtfInfo(int id, String name, boolean kernelBtf, int size) {}

    MapInfo mapInfo(BpfFd map) throws BpfException;

    /**
     * Turns on the kernel's run-time statistics of every program (BPF_ENABLE_STATS, BPF_STATS_RUN_TIME) for as long
     * as the returned descriptor is open: {@link ProgInfo#runCount} and {@link ProgInfo#runTimeNs} count only then.
     */
    BpfFd enableStats() throws BpfException;

    BtfInfo btfInfo(BpfFd btf) throws BpfException;

    /** The raw BTF a kernel BTF object holds (as loaded, or the kernel's own). */
    byte[] btfData(BpfFd btf) throws BpfException;

    ProgInfo progInfo(BpfFd prog) throws BpfException;

    /**
     * The FUNC type of the program's main function in its BTF object (its first func_info record), whose name is
     * the program's full name where the kernel's is cut to 15 characters; 0 if it has none.
     */
    int mainFuncTypeId(BpfFd prog) throws BpfException;

    /** The ids of the maps the program uses, as the kernel recorded them at load. */
    List<Integer> progMapIds(BpfFd prog) throws BpfException;

    LinkInfo linkInfo(BpfFd link) throws BpfException;

    /**
     * The descriptors of bpf objects (maps, programs, links, BTF) this process has open, as a count: used to prove
     * none leaks. Other descriptors are left out: the JDK closes some of them (a finished process's pipes, files of
     * collected streams) on its own schedule, which made counts taken around a load differ without any leak.
     */
    int openDescriptorCount();
}
