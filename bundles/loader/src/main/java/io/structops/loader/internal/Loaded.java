package io.structops.loader.internal;

import io.structops.handler.StructOpsHandlers;
import io.structops.loader.LoadException;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.PinDirectory;
import io.structops.loader.ProgramRuns;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfConstants;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Descriptors of one load, in creation order. Closing goes backwards: links detached, legacy maps unregistered,
 * then every descriptor closed, so the kernel drops programs, maps and BTF as their last reference goes.
 */
final class Loaded implements LoadedObject {
    private static final Logger LOG = LoggerFactory.getLogger(Loaded.class);
    private static final byte[] KEY0 = new byte[4];
    /** How {@link #record} names what it pins: the kind of kernel object, which its descriptor does not tell. */
    static final String RECORDED_LINK = "-link";

    static final String RECORDED_MAP = "-map";

    /**
     * A struct_ops map and what goes with it. Only {@link Loaded} changes it (under the object's lock): what is
     * attached and who holds the link must agree with the object's descriptors.
     */
    static final class MapHandle {
        final String name;
        final BpfFd map;
        final StructOpsView view;
        private BpfFd link;
        private boolean registered;
        /** A legacy map's value, whose update registers it: kept for a swap that registers it later (or again). */
        private byte[] registration;
        /** Where its link is pinned on a bpffs, or null. */
        private Path pin;
        /** Live in the kernel through this object (registered, or its link is held here). */
        private boolean attached;

        private LoadedMap info;

        MapHandle(String name, BpfFd map, StructOpsView view) {
            this.name = name;
            this.map = map;
            this.view = view;
        }

        BpfFd link() {
            return link;
        }

        /** A legacy map ({@code SEC(".struct_ops")}): attached by registering its value, not through a link. */
        boolean legacy() {
            return registration != null;
        }

        boolean attached() {
            return attached;
        }

        LoadedMap info() {
            return info;
        }
    }

    private final Bpf bpf;
    private final String name;
    private final StructOpsHandlers handlers;
    final List<BpfFd> descriptors = new ArrayList<>();
    private final List<MapHandle> maps = new ArrayList<>();
    private volatile boolean open = true;
    /** The programs it loaded, in {@link #descriptors} too. */
    final List<BpfFd> programs = new ArrayList<>();
    /** What it created for its struct_ops maps before survivors took their place (adoption): closed unused. */
    private final List<BpfFd> replaced = new ArrayList<>();
    /** A map the load created besides its struct_ops maps: its name in the kernel (cut, prefixed) and id. */
    record DataMap(String kernelName, int id) {}

    /** The maps the load created besides its struct_ops maps, by name in the object. */
    private final Map<String, DataMap> dataMaps = new LinkedHashMap<>();
    /** The object's global data maps, as its views read them. */
    volatile ObjectGlobals globals;

    private final Map<String, Duration> swapGaps = new ConcurrentHashMap<>();

    /** Who asked for the load, as the loader's log names it. */
    private final String requester;

    Loaded(Bpf bpf, String name, StructOpsHandlers handlers, String requester) {
        this.bpf = bpf;
        this.name = name;
        this.handlers = handlers;
        this.requester = requester;
    }

    BpfFd own(BpfFd fd) {
        descriptors.add(fd);
        return fd;
    }

    /** The {@code .maps} and global data maps the load created, by name, to their ids. */
    synchronized void dataMaps(Map<String, DataMap> created) {
        dataMaps.putAll(created);
    }

    /** After adoption: the maps the survivors' programs use, by kernel name, replace those this load created. */
    synchronized void rebindDataMaps(Map<String, Integer> idsByKernelName) {
        dataMaps.replaceAll(
                (name, m) -> new DataMap(m.kernelName(), idsByKernelName.getOrDefault(m.kernelName(), m.id())));
    }

    @Override
    public synchronized Map<String, Integer> objectMaps() {
        Map<String, Integer> ids = new LinkedHashMap<>();
        dataMaps.forEach((name, m) -> ids.put(name, m.id()));
        for (MapHandle m : maps) {
            if (m.info != null) {
                ids.put(m.name, m.info.mapId());
            }
        }
        return ids;
    }

    /** A struct_ops map this object created, not yet filled; its descriptor is owned already. */
    synchronized MapHandle addMap(String mapName, BpfFd map, StructOpsView view) {
        MapHandle h = new MapHandle(mapName, map, view);
        maps.add(h);
        return h;
    }

    /** The struct_ops maps, in creation order. */
    synchronized List<MapHandle> handles() {
        return List.copyOf(maps);
    }

    /** A legacy map's update ({@code value}) registered it: closing unregisters it. */
    synchronized void registered(MapHandle h, byte[] value) {
        h.registration = value;
        h.registered = true;
    }

    /** A swap's legacy replacement: not registered yet; the swap registers {@code value} when it attaches it. */
    synchronized void registrationDeferred(MapHandle h, byte[] value) {
        h.registration = value;
    }

    /** {@code h}'s map got a link, owned from now on. */
    synchronized void linked(MapHandle h, BpfFd link) {
        h.link = own(link);
    }

    /** What the kernel says of {@code h} now, as callers and its handler see it. */
    synchronized void describe(MapHandle h, LoadedMap info) {
        h.info = info;
        h.view.loaded(info);
    }

    /** {@code h} is live in the kernel through this object. */
    synchronized void attached(MapHandle h) {
        h.attached = true;
        h.view.attached(true);
    }

    /**
     * Adoption: a survivor's map (and link, pinned at {@code pin}) takes the place of {@code ours}, attached, with
     * what the kernel says of it. What was created for {@code ours} is kept aside for {@link #dropUnused}.
     */
    synchronized MapHandle adopt(MapHandle ours, BpfFd map, BpfFd link, Path pin, LoadedMap info) {
        replaced.add(ours.map);
        MapHandle h = new MapHandle(ours.name, own(map), ours.view);
        if (link != null) {
            h.link = own(link);
            h.pin = pin;
        }
        h.registered = link == null;
        maps.set(maps.indexOf(ours), h);
        describe(h, info);
        attached(h);
        return h;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized List<LoadedMap> maps() {
        return maps.stream().map(m -> m.info).filter(Objects::nonNull).toList();
    }

    @Override
    public synchronized void pinLinks(Path dir) throws LoadException {
        PinDirectory.create(dir);
        for (MapHandle m : maps) {
            if (m.link == null) {
                continue;
            }
            Path path = dir.resolve(m.name);
            if (path.equals(m.pin)) {
                continue; // pinned there already (a swap moved the pin along, or the link was adopted from it)
            }
            try {
                bpf.objPin(m.link, path);
                m.pin = path;
            } catch (BpfException e) {
                throw new LoadException(
                        name + ": map " + m.name + ": pin link at " + path + ": " + e.getMessage(), null, e);
            }
        }
    }

    @Override
    public synchronized void record(Path dir, String prefix) throws LoadException {
        PinDirectory.create(dir);
        for (MapHandle m : maps) {
            // An unpinned link ends with this process; a record must not keep it attached past that.
            if (!m.attached || (m.link != null && m.pin == null)) {
                continue;
            }
            Path path = dir.resolve(prefix + m.name + (m.link != null ? RECORDED_LINK : RECORDED_MAP));
            try {
                Files.deleteIfExists(path);
                bpf.objPin(m.link != null ? m.link : m.map, path);
            } catch (BpfException | IOException e) {
                throw new LoadException(
                        name + ": map " + m.name + ": record at " + path + ": " + e.getMessage(), null, e);
            }
        }
    }

    /** The map of that name, attached or not. */
    synchronized Optional<MapHandle> handle(String mapName, boolean attached) {
        return maps.stream()
                .filter(m -> m.name.equals(mapName) && m.attached == attached)
                .findFirst();
    }

    /** Whether a link of it is pinned, so that it outlives this process. */
    synchronized boolean pinned() {
        return maps.stream().anyMatch(m -> m.pin != null && m.link != null);
    }

    /** Whether any of its maps is live through this object. */
    synchronized boolean anyAttached() {
        return open && maps.stream().anyMatch(m -> m.attached);
    }

    /** The handler's view of the attached map of that name. */
    synchronized Optional<StructOpsView> view(String mapName) {
        return maps.stream()
                .filter(m -> m.name.equals(mapName) && m.attached)
                .map(m -> m.view)
                .findFirst();
    }

    /** The attached map of that name. */
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
                to.pin = from.pin;
                from.pin = null;
                toObject.descriptors.add(link);
                to.link = link;
                LoadedMap was = from.info;
                from.info = new LoadedMap(was.name(), was.type(), was.mapId(), 0, was.programIds());
                from.attached = false;
                from.view.attached(false);
                from.view.loaded(from.info);
                LoadedMap now = to.info;
                to.info = new LoadedMap(now.name(), now.type(), now.mapId(), was.linkId(), now.programIds());
                to.attached = true;
                to.view.attached(true);
                to.view.loaded(to.info);
            }
        }
    }

    /**
     * After adoption: the programs and struct_ops maps this object created only to compare with the survivors are
     * closed now, so that the kernel does not hold a second, unattached copy of each until the object is closed; the
     * programs only if every map was taken over ({@code programsToo}), as a map that was not still needs them.
     */
    synchronized void dropUnused(boolean programsToo) {
        List<BpfFd> unused = new ArrayList<>(replaced);
        if (programsToo) {
            unused.addAll(programs);
            programs.clear();
        }
        for (BpfFd fd : unused) {
            descriptors.remove(fd);
            fd.close();
        }
        replaced.clear();
    }

    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        List<MapHandle> detached = new ArrayList<>();
        for (int i = maps.size() - 1; i >= 0; i--) {
            MapHandle m = maps.get(i);
            m.view.attached(false);
            if (m.attached) {
                HandlerSteps.notify(handlers, m.view, "before detach", h -> h.beforeDetach(m.view));
            }
            try {
                if (m.link != null && m.link.isOpen()) {
                    // Detach even if the link is pinned elsewhere: unloading means the struct_ops stops.
                    bpf.linkDetach(m.link);
                } else if (m.registered) {
                    bpf.mapDelete(m.map, KEY0);
                } else {
                    continue;
                }
                if (m.attached) {
                    LOG.info(
                            "{}: {} {} detached (map id {}; loaded by {}), by {}",
                            name,
                            m.info == null ? "struct_ops" : m.info.type(),
                            m.name,
                            m.info == null ? "?" : m.info.mapId(),
                            requester,
                            closer());
                    detached.add(m);
                }
            } catch (BpfException e) {
                LOG.warn("{}: map {}: could not detach: {}", name, m.name, e.getMessage());
            }
        }
        release();
        for (MapHandle m : detached) {
            m.attached = false;
            HandlerSteps.notify(handlers, m.view, "after detach", h -> h.afterDetach(m.view));
        }
    }

    /** Who is closing: the thread says it (a shell session, the deploy worker, the framework stopping). */
    private static String closer() {
        return "thread '" + Thread.currentThread().getName() + "'";
    }

    @Override
    public synchronized void release() {
        if (!open) {
            return;
        }
        open = false;
        for (MapHandle m : maps) {
            m.view.attached(false);
        }
        for (int i = descriptors.size() - 1; i >= 0; i--) {
            descriptors.get(i).close();
        }
    }

    @Override
    public Optional<Duration> swapGap(String mapName) {
        return Optional.ofNullable(swapGaps.get(mapName));
    }

    @Override
    public synchronized Optional<ProgramRuns> programRuns(int programId) {
        for (BpfFd fd : programs) {
            try {
                Bpf.ProgInfo info = bpf.progInfo(fd);
                if (info.id() == programId) {
                    return Optional.of(new ProgramRuns(programId, info.runCount(), info.runTimeNs()));
                }
            } catch (BpfException e) {
                return Optional.empty(); // closed meanwhile: no figures rather than wrong ones
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized Optional<Instant> attachedSince(String mapName) {
        return maps.stream().filter(h -> h.name.equals(mapName)).findFirst().flatMap(h -> h.view.attachedSince());
    }

    void swapGap(String mapName, Duration gap) {
        swapGaps.put(mapName, gap);
    }

    /**
     * The kernel could not move {@code from}'s link: it is detached, and {@code to}'s map gets a link of its own
     * (pinned where the old one was). If that fails, {@code from}'s map is linked again and the failure rethrown.
     * Returns how long neither was attached.
     */
    static Duration detachThenAttach(Bpf bpf, Loaded fromObject, MapHandle from, Loaded toObject, MapHandle to)
            throws BpfException {
        synchronized (fromObject) {
            synchronized (toObject) {
                long detached = System.nanoTime();
                // The detached link's descriptor stays among fromObject's, closed with it.
                unlink(bpf, from);
                try {
                    link(bpf, toObject, to);
                } catch (BpfException e) {
                    link(bpf, fromObject, from);
                    repin(bpf, from);
                    throw e;
                }
                Duration gap = Duration.ofNanos(System.nanoTime() - detached);
                to.pin = from.pin;
                from.pin = null;
                repin(bpf, to);
                toObject.swapGap(to.name, gap);
                return gap;
            }
        }
    }

    /**
     * Links {@code to} while {@code from} stays linked (a struct whose two maps may be attached at once): the first
     * half of a swap without a gap. {@link #detachReplaced} is the second half, {@link #detachBeside} the undo.
     */
    static void attachBeside(Bpf bpf, Loaded toObject, MapHandle to) throws BpfException {
        synchronized (toObject) {
            link(bpf, toObject, to);
        }
    }

    /**
     * Attaches {@code m}'s map (a link, or a legacy map's registration) and says so everywhere it is recorded:
     * {@link #unlink}'s counterpart.
     */
    private static void link(Bpf bpf, Loaded object, MapHandle m) throws BpfException {
        int linkId = 0;
        if (m.legacy()) {
            bpf.mapUpdate(m.map, KEY0, m.registration, BpfConstants.ANY);
            m.registered = true;
        } else {
            BpfFd link = bpf.linkCreate(m.map, 0, BpfConstants.ATTACH_TYPE_STRUCT_OPS, 0);
            object.descriptors.add(link);
            m.link = link;
            linkId = bpf.linkInfo(link).id();
        }
        m.attached = true;
        m.view.attached(true);
        LoadedMap was = m.info;
        m.info = new LoadedMap(was.name(), was.type(), was.mapId(), linkId, was.programIds());
        m.view.loaded(m.info);
    }

    /** Undoes {@link #attachBeside}: {@code to}'s link is detached again, {@code from} never left. */
    static void detachBeside(Bpf bpf, Loaded toObject, MapHandle to) throws BpfException {
        synchronized (toObject) {
            unlink(bpf, to);
        }
    }

    /**
     * Detaches {@code m}'s link (or unregisters a legacy map) and says so everywhere it is recorded: the handle, its
     * info, the handlers' view.
     */
    private static void unlink(Bpf bpf, MapHandle m) throws BpfException {
        m.view.attached(false);
        if (m.legacy()) {
            bpf.mapDelete(m.map, KEY0);
            m.registered = false;
        } else {
            bpf.linkDetach(m.link);
        }
        m.link = null;
        m.attached = false;
        LoadedMap was = m.info;
        m.info = new LoadedMap(was.name(), was.type(), was.mapId(), 0, was.programIds());
        m.view.loaded(m.info);
    }

    /** The second half of a swap without a gap: {@code from} is detached, and its pin (if any) names {@code to}'s link. */
    static void detachReplaced(Bpf bpf, Loaded fromObject, MapHandle from, Loaded toObject, MapHandle to)
            throws BpfException {
        synchronized (fromObject) {
            synchronized (toObject) {
                unlink(bpf, from);
                to.pin = from.pin;
                from.pin = null;
                repin(bpf, to);
                toObject.swapGap(to.name, Duration.ZERO);
            }
        }
    }

    /** A new link replaces a pinned one: the pin file is made to name the new link. */
    private static void repin(Bpf bpf, MapHandle m) {
        if (m.pin == null) {
            return;
        }
        try {
            Files.deleteIfExists(m.pin);
            bpf.objPin(m.link, m.pin);
        } catch (Exception e) {
            LOG.warn("map {}: the new link could not be pinned at {}: {}", m.name, m.pin, e.toString());
            m.pin = null;
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
