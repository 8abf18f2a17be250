package io.structops.loader;

import java.util.Map;

/**
 * One struct_ops map this runtime created.
 *
 * @param name the map's (and the object's variable's) name
 * @param type the kernel struct, e.g. {@code tcp_congestion_ops}
 * @param mapId the kernel's id of the map
 * @param linkId the kernel's id of its link, 0 for a legacy map
 * @param programIds program ids by member name
 */
public record LoadedMap(String name, String type, int mapId, int linkId, Map<String, Integer> programIds) {
    public LoadedMap {
        programIds = Map.copyOf(programIds);
    }

    public boolean linkBased() {
        return linkId != 0;
    }
}
