package io.structops.btf;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A parsed, validated BTF blob: an object's {@code .BTF}, vmlinux, or a module's split BTF on top of a base. Types
 * are decoded on demand from the underlying bytes; lookups by name use a hash index built at parse time. Immutable
 * and thread-safe.
 */
@ProviderType
public interface Btf {

    /** What was parsed: a file name, {@code OBJECT(.BTF)} or {@code vmlinux}. */
    String source();

    ByteOrder byteOrder();

    /** The base BTF of split BTF. */
    Optional<Btf> base();

    /** The first id this BTF defines: 1, or the base's {@link #typeCount()} for split BTF. */
    int firstId();

    /** One past the last id, counting void (id 0) and the base's types: libbpf's {@code btf__type_cnt}. */
    int typeCount();

    /** The kind of a type; ids from 0 (void) to {@code typeCount() - 1}. */
    BtfKind kind(int id);

    /** The name of a type, empty if anonymous. */
    String name(int id);

    /** Decodes one type. */
    BtfType type(int id);

    /** The string at an offset of the string section (of the base when the offset is below the base's size). */
    String string(int offset);

    /** Every type with this name, in id order, across the base and this BTF. */
    int[] idsByName(String name);

    /** The first type with this name and kind. */
    OptionalInt find(String name, BtfKind kind);

    /** Follows TYPEDEF, VOLATILE, CONST, RESTRICT and TYPE_TAG to the type underneath. */
    int resolve(int id);

    /** Whether {@code type} (through typedefs and modifiers) is a pointer to a function prototype. */
    default boolean isFunctionPointer(int type) {
        int r = resolve(type);
        return kind(r) == BtfKind.PTR && kind(resolve(((BtfType.Reference) type(r)).type())) == BtfKind.FUNC_PROTO;
    }

    /** Follows only VOLATILE, CONST, RESTRICT and TYPE_TAG. */
    int skipQualifiers(int id);

    /** Size in bytes of a type once resolved (pointers are 8; functions and void have none). */
    long size(int id) throws BtfException;

    /** Alignment in bytes, as the compiler would give it on a 64-bit target. */
    int alignment(int id) throws BtfException;

    /** The members of a struct or union after resolving {@code id}; empty for other kinds. */
    List<BtfType.Member> members(int id);

    /** The encoded BTF: header, type section and string section, exactly as parsed when nothing was changed. */
    byte[] encode();

    /** A copy that can be changed (types replaced or added, strings added) and encoded for BPF_BTF_LOAD. */
    BtfEditor edit();

    /** Writes {@code bpftool btf dump file ... format raw} output for this BTF's own types. */
    void dumpRaw(Appendable out) throws IOException;

    /** Writes the raw dump lines of the given types only. */
    void dumpRaw(int[] ids, Appendable out) throws IOException;

    /**
     * Writes compilable C declarations of the given types and of every type they need, each once, in dependency
     * order.
     */
    void dumpC(int[] ids, Appendable out) throws IOException;

    /** Writes compilable C declarations of one type and every type it needs. */
    default void dumpC(int id, Appendable out) throws IOException {
        dumpC(new int[] {id}, out);
    }
}
