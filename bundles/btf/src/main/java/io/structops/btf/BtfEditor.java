package io.structops.btf;

/**
 * Changes to a copy of a BTF blob, as the loader makes them before BPF_BTF_LOAD: DATASEC sizes and VAR offsets
 * fixed from the ELF, kinds the running kernel lacks replaced by ones it accepts. Not thread-safe.
 */
@org.osgi.annotation.versioning.ProviderType
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

    /** Encodes the edited BTF. */
    byte[] encode();
}
