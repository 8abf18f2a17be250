package io.structops.loader.internal;

import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.StructOpsRegistry;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this runtime loaded. When the runtime stops, what it holds is detached newest first, except objects with
 * pinned links, which are released (as after bpftool's register). A one-shot command releases everything first.
 */
@Component(service = StructOpsRegistry.class)
public class StructOpsRegistryComponent implements StructOpsRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(StructOpsRegistryComponent.class);
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
    public synchronized void replace(LoadedObject previous, LoadedObject replacement) {
        int at = objects.indexOf(previous);
        if (at < 0) {
            objects.add(replacement);
        } else {
            objects.add(at + 1, replacement);
        }
        if (!(previous instanceof Loaded l) || !l.anyAttached()) {
            objects.remove(previous);
            previous.close();
        }
    }

    @Override
    public void unload(LoadedObject object) {
        objects.remove(object);
        object.close();
    }

    @Override
    public void release(LoadedObject object) {
        objects.remove(object);
        object.release();
    }

    @Override
    public synchronized void releaseAll() {
        for (LoadedObject o : objects) {
            o.release();
        }
        objects.clear();
    }

    @Deactivate
    synchronized void deactivate() {
        List<LoadedObject> all = List.copyOf(objects);
        for (int i = all.size() - 1; i >= 0; i--) {
            LoadedObject o = all.get(i);
            if (o instanceof Loaded l && l.pinned()) {
                o.release();
                LOG.info("{}: released on stop; pinned links stay attached", o.name());
            } else {
                o.close();
            }
        }
        objects.clear();
    }
}
