package io.structops.elf;

/**
 * A map the object declares.
 *
 * @param name the variable's name, or the section's name for global data
 * @param kind how the map is declared
 * @param section the section it lives in
 * @param size bytes the declaration occupies in its section (the whole section for global data)
 */
public record BpfMap(String name, MapKind kind, String section, long size) {}
