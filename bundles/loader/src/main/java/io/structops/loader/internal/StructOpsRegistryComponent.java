package io.structops.loader.internal;

import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.StructOpsRegistry;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * What this runtime loaded. When the runtime stops, descriptors are released: pinned links and legacy maps stay in
 * the kernel (as after bpftool's register), unpinned links end with their last descriptor.
 */
@Component(service = StructOpsRegistry.class)
public class StructOpsRegistryComponent implements StructOpsRegistry {
    private final List<LoadedObject> objects = new CopyOnWriteArrayList<>();

    @Override
    public void add(LoadedObject object) {
        objects.add(object);
    }

    @Override
    public List<LoadedObject> objects() {
        return List.copyOf(objects);
    }

    @Override
    public Optional<LoadedObject> owner(String nameOrId) {
        for (LoadedObject o : objects) {
            for (LoadedMap m : o.maps()) {
                if (m.name().equals(nameOrId) || Integer.toString(m.mapId()).equals(nameOrId)) {
                    return Optional.of(o);
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public void unload(LoadedObject object) {
        objects.remove(object);
        object.close();
    }

    @Deactivate
    void deactivate() {
        for (LoadedObject o : objects) {
            o.release();
        }
        objects.clear();
    }
}
