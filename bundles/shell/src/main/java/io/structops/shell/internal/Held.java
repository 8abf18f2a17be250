package io.structops.shell.internal;

import io.structops.handler.StructOpsHandlers;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.StructOpsRegistry;
import java.util.Map;
import java.util.Optional;

/**
 * What this runtime holds of the kernel's struct_ops maps, as {@code list} shows it: whether it owns a map, the
 * handler that manages it and that handler's figures. A runtime without a framework (a one-shot command's fast path)
 * holds nothing: {@link #NOTHING}.
 */
interface Held {
    /** Who manages an owned map now: the handler's bundle and version. */
    record HandlerRef(String bundle, String version) {}

    /** The runtime owns no map: what a fresh one-shot runtime sees. */
    Held NOTHING = (mapId, struct) -> Optional.empty();

    /** An owned map's handler (if one manages its struct) and that handler's status of it. */
    record Owned(HandlerRef handler, Map<String, Object> status) {}

    /** The map of this id and struct, when this runtime owns it. */
    Optional<Owned> owned(int mapId, String struct);

    /** Through the loader's registry and the handlers: what a runtime with a framework holds. */
    static Held of(StructOpsRegistry registry, StructOpsHandlers handlers) {
        return (mapId, struct) -> registry.owner(Integer.toString(mapId))
                .map(o -> new Owned(
                        handlers.handlerFor(struct)
                                .map(h -> new HandlerRef(h.bundle(), h.version()))
                                .orElse(null),
                        status(handlers, o, mapId)));
    }

    private static Map<String, Object> status(StructOpsHandlers handlers, LoadedObject o, int mapId) {
        for (LoadedMap lm : o.maps()) {
            if (lm.mapId() == mapId) {
                return handlers.status(o, lm).orElse(Map.of());
            }
        }
        return Map.of();
    }
}
