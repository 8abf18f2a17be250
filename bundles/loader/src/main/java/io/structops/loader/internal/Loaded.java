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
