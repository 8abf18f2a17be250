package io.structops.kernel.objects;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An open map: a descriptor of it held until {@link #close}. Keys and values are the map's raw bytes, or
 * {@link Value}s typed through the map's BTF. For a per-CPU map a value is all possible CPUs' values, one per CPU.
 * Not thread-safe: one caller at a time.
 */
@ProviderType
public interface KernelMap extends AutoCloseable {

    /** Update flags, as bpf(2) takes them. */
    enum Update {
        /** Create the entry or replace it (BPF_ANY). */
        ANY,
        /** Create it only if the key is absent (BPF_NOEXIST). */
        NOEXIST,
        /** Replace it only if the key is present (BPF_EXIST). */
        EXIST
    }

    /** One entry; {@code values} has one element, or one per possible CPU for a per-CPU map. */
    record Entry(byte[] key, List<byte[]> values) {
        public Entry {
            values = List.copyOf(values);
        }
    }

    MapInfo info();

    /** The map's key and value types, as C; empty when the map has no BTF. */
    Optional<String> keyType();

    Optional<String> valueType();

    /** The value of {@code key}: one element, or one per possible CPU; empty if the key is absent. */
    Optional<List<byte[]>> lookup(byte[] key) throws KernelObjectException;

    /**
     * Sets {@code key}'s value; for a per-CPU map {@code values} has one per possible CPU, or one that every CPU
     * gets.
     */
    void update(byte[] key, List<byte[]> values, Update flag) throws KernelObjectException;

    /** Removes {@code key}; false if it was absent. Array maps refuse (EINVAL), as their entries always exist. */
    boolean delete(byte[] key) throws KernelObjectException;

    /** Every key, in the kernel's order (BPF_MAP_GET_NEXT_KEY). */
    List<byte[]> keys() throws KernelObjectException;

    /**
     * Every entry, read in batches (BPF_MAP_LOOKUP_BATCH) where the kernel and the map type have them, else key by
     * key. Entries changed meanwhile may be missed or seen twice, as with bpftool.
     */
    List<Entry> entries() throws KernelObjectException;

    /** {@code key} typed through the map's BTF; {@link Value.Raw} when it has none. */
    Value decodeKey(byte[] key);

    /** One value (one CPU's, for a per-CPU map) typed through the map's BTF; {@link Value.Raw} when it has none. */
    Value decodeValue(byte[] value);

    /** The bytes of {@code key}, which must fit the key type; refused with the reason when it does not. */
    byte[] encodeKey(Value key) throws KernelObjectException;

    /** The bytes of one value (one CPU's), which must fit the value type. */
    byte[] encodeValue(Value value) throws KernelObjectException;

    @Override
    void close();
}
