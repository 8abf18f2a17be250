package io.structops.btf;

import java.nio.ByteOrder;
import java.util.Map;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Changes to a copy of a BTF blob, as the loader makes them before BPF_BTF_LOAD: DATASEC sizes and VAR offsets
 * fixed from the ELF, kinds the running kernel lacks replaced by ones it accepts. Not thread-safe.
 */
@ProviderType
public interface BtfEditor {

    /** Adds a string (or finds it) and returns its offset. */
    int addString(String s);

    /** Replaces type {@code type.id()} with {@code type}; names are taken from {@code nameOffset}. */
    BtfEditor replace(BtfType type);

    /** Appends a type; its id is assigned and returned (the record's own id is ignored). */
    int add(BtfType type);

    /** Number of ids, as {@link Btf#typeCount()}. */
    int typeCount();

    /** The current version of a type. */
    BtfType type(int id);

    /** Encodes the edited BTF in the original's byte order. */
    byte[] encode();

    /** Encodes the edited BTF in the given byte order (the kernel wants its own). */
    byte[] encode(ByteOrder order);

    /**
     * The edited BTF as a {@link Btf}, laid out as {@link #encode()} lays it out (type ids and DATASEC offsets as
     * the kernel will see them), named {@code source}; later edits do not change it.
     */
    Btf view(String source) throws BtfException;

    /**
     * Fills in what clang leaves zero in an object's BTF: each DATASEC's size from its ELF section, and each of its
     * variables' offsets from the ELF symbol of the same name. DATASECs without an ELF section of that name (such as
     * {@code .ksyms} and {@code .kconfig}, which the loader creates) are left as they are.
     *
     * @param sectionSizes ELF section sizes by section name
     * @param symbolOffsets symbol values by name, for symbols defined in the DATASEC's section
     * @throws BtfException if a variable of a DATASEC has no symbol in its section
     */
    BtfEditor fixDataSections(Map<String, Long> sectionSizes, Map<String, Map<String, Long>> symbolOffsets)
            throws BtfException;

    /**
     * Makes extern declarations acceptable to BPF_BTF_LOAD, which refuses them: extern FUNCs (kfuncs) become static,
     * and DATASECs of externs ({@code .ksyms}, {@code .kconfig}) hold a placeholder int VAR where they held a FUNC.
     */
    BtfEditor fixExterns() throws BtfException;

    /**
     * Marks the global FUNCs named static, as libbpf does for global functions of hidden visibility
     * ({@code __attribute__((visibility("hidden")))}, scx's {@code __hidden}): the verifier then checks them in
     * their callers' context, as static functions, instead of on their own (where, say, a function returning an
     * arena pointer is refused).
     */
    BtfEditor makeStatic(Set<String> functions);

    /**
     * Gives the array {@code variable}, the last variable of DATASEC {@code section}, {@code elements} elements and
     * the section the size that follows, as libbpf's {@code bpf_map__set_value_size} does for a global data map (scx's
     * {@code RESIZABLE_ARRAY}, in {@code .data.NAME} and the like, sized to the CPU count by its userspace). The array
     * gets a type of its own, so that other users of the old one keep it.
     *
     * @throws BtfException if the section's last variable is not {@code variable}, or not an array with elements
     */
    BtfEditor resizeArray(String section, String variable, int elements) throws BtfException;

    /**
     * Replaces kinds a kernel lacks with ones it accepts, keeping ids, sizes and layout, as libbpf does for older
     * kernels: DECL_TAG becomes a one-byte INT, TYPE_TAG a CONST, FLOAT a member-less STRUCT of its size, ENUM64 a
     * member-less UNION of its size, VAR an INT of its size, DATASEC a STRUCT with one member per variable, FUNC a
     * TYPEDEF, FUNC_PROTO a member-less ENUM.
     */
    BtfEditor sanitize(Set<BtfKind> unsupported) throws BtfException;
}
