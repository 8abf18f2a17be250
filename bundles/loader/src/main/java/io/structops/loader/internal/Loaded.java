package io.structops.loader.internal;

import io.structops.loader.LoadException;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Descriptors of one load, in creation order. Closing goes backwards: links detached, legacy maps unregistered,
 * then every descriptor closed, so the kernel drops programs, maps and BTF as their last reference goes.
 */
final class Loaded implements LoadedObject {
    private static final Logger LOG = LoggerFactory.getLogger(Loaded.class);
    private static final byte[] KEY0 = new byte[4];

    /** A struct_ops map and what goes with it. */
    static final class MapHandle {
        final String name;
        final BpfFd map;
        BpfFd link;
        boolean registered;
        LoadedMap info;

        MapHandle(String name, BpfFd map) {
            this.name = name;
            this.map = map;
        }
    }

    private final Bpf bpf;
    private final String name;
    final List<BpfFd> descriptors = new ArrayList<>();
    final List<MapHandle> maps = new ArrayList<>();
    private volatile boolean open = true;

    Loaded(Bpf bpf, String name) {
        this.bpf = bpf;
        this.name = name;
    }

    BpfFd own(BpfFd fd) {
        descriptors.add(fd);
        return fd;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized List<LoadedMap> maps() {
        return maps.stream().map(m -> m.info).filter(java.util.Objects::nonNull).toList();
    }

    @Override
    public synchronized void pinLinks(Path dir) throws LoadException {
        for (MapHandle m : maps) {
            if (m.link == null) {
                continue;
            }
            Path path = dir.resolve(m.name);
            try {
                bpf.objPin(m.link, path);
            } catch (BpfException e) {
                throw new LoadException(name + ": map " + m.name + ": pin link at " + path + ": " + e.getMessage(),
                        null, e);
            }
        }
    }

    /** The link-based map of that name, attached ({@code linked}) or not. */
    synchronized Optional<MapHandle> handle(String mapName, boolean linked) {
        return maps.stream().filter(m -> m.name.equals(mapName) && (m.link != null) == linked).findFirst();
    }

    /** The attached link-based map of that name. */
    Optional<MapHandle> handle(String mapName) {
        return handle(mapName, true);
    }

    /**
     * After BPF_LINK_UPDATE moved {@code from}'s link to {@code to}'s map: the link's descriptor changes owner, so
     * that closing the old object no longer detaches it and closing the new one does.
     */
    static void moveLink(Loaded fromObject, MapHandle from, Loaded toObject, MapHandle to) {
        synchronized (fromObject) {
            synchronized (toObject) {
                BpfFd link = from.link;
                fromObject.descriptors.remove(link);
                from.link = null;
                toObject.descriptors.add(link);
                to.link = link;
                LoadedMap was = from.info;
                from.info = new LoadedMap(was.name(), was.type(), was.mapId(), 0, was.programIds());
                LoadedMap now = to.info;
                to.info = new LoadedMap(now.name(), now.type(), now.mapId(), was.linkId(), now.programIds());
            }
        }
    }

    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        for (int i = maps.size() - 1; i >= 0; i--) {
            MapHandle m = maps.get(i);
            try {
                if (m.link != null && m.link.isOpen()) {
                    // Detach even if the link is pinned elsewhere: unloading means the struct_ops stops.
                    bpf.linkDetach(m.link);
                } else if (m.registered) {
                    bpf.mapDelete(m.map, KEY0);
                }
            } catch (BpfException e) {
                LOG.warn("{}: map {}: could not detach: {}", name, m.name, e.getMessage());
            }
        }
        release();
    }

    @Override
    public synchronized void release() {
        if (!open) {
            return;
        }
        open = false;
        for (int i = descriptors.size() - 1; i >= 0; i--) {
            descriptors.get(i).close();
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public String toString() {
        return "loaded " + name + " " + maps();
    }
}
