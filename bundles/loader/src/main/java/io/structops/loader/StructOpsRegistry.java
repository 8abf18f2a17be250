package io.structops.loader;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What this runtime loaded and still holds. Offered as an OSGi service. When the runtime stops, it detaches what it
 * holds, newest first, except objects whose links are pinned: those are released and stay attached.
 */
@ProviderType
public interface StructOpsRegistry {

    void add(LoadedObject object);

    List<LoadedObject> objects();

    /** The loaded object holding a map of this name or id. */
    Optional<LoadedObject> owner(String nameOrId);

    /**
     * After a swap moved maps of {@code previous} to {@code replacement}: keeps {@code replacement}, and releases
     * {@code previous} once nothing of it is attached any more.
     */
    void replace(LoadedObject previous, LoadedObject replacement);

    /** Unloads (detaches) an object this runtime holds and forgets it. */
    void unload(LoadedObject object);

    /**
     * Forgets an object and closes its descriptors without detaching: pinned links and legacy maps stay in the
     * kernel, unpinned links end with their last descriptor.
     */
    void release(LoadedObject object);

    /** {@link #release}s everything: what a one-shot command does before the runtime exits. */
    void releaseAll();
}
