package io.structops.handler;

import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** The handlers registered now. Offered as an OSGi service by the loader bundle. */
@ProviderType
public interface StructOpsHandlers {

    /**
     * A registered handler.
     *
     * @param struct the kernel struct it handles
     * @param bundle the symbolic name of the bundle that registered it
     * @param version that bundle's version
     * @param serviceId the handler service's id
     * @param handler the handler
     */
    record Handler(String struct, String bundle, String version, long serviceId, StructOpsHandler handler) {}

    /** The handler in charge of {@code struct} now, if any. */
    Optional<Handler> handlerFor(String struct);

    /** Every handler in charge now, one per struct, by struct name. */
    List<Handler> handlers();

    /**
     * What the handler in charge of {@code map}'s struct reports about it ({@link StructOpsHandler#status}); empty
     * when the map is unmanaged (no handler) or is not one of {@code object}'s. A failing handler reports an
     * {@code error} entry.
     */
    Optional<Map<String, Object>> status(LoadedObject object, LoadedMap map);

    /**
     * Each handler's {@link StructOpsHandler#kernelState}, by struct, for the structs whose handler says anything; a
     * failing handler reports an {@code error} entry.
     */
    Map<String, Map<String, Object>> kernelStates();
}
