package io.structops.loader;

import java.util.List;
import java.util.Optional;

/** What this runtime loaded and still holds. Offered as an OSGi service. */
@org.osgi.annotation.versioning.ProviderType
public interface StructOpsRegistry {

    void add(LoadedObject object);

    List<LoadedObject> objects();

    /** The loaded object holding a map of this name or id. */
    Optional<LoadedObject> owner(String nameOrId);

    /** Unloads (detaches) an object this runtime holds and forgets it. */
    void unload(LoadedObject object);
}
