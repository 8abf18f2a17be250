package io.structops.loader.internal;

import io.structops.loader.LoadException;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedObject;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfException;
import io.structops.syscall.Errno;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One swap of an attached link-based struct_ops map for the same-named (or only) map of another object: the new
 * object is loaded and filled but not linked, then the link moves (BPF_LINK_UPDATE), or where the struct cannot be
 * updated in place (sched_ext) the old map is detached and the new one linked. Any failure before the move leaves
 * the old map attached and nothing of the new object; a handler refusing after the move moves it back.
 */
final class Swap {
    private static final Logger LOG = LoggerFactory.getLogger(Swap.class);

    private final LoaderServices services;
    private final Bpf bpf;
    private final String requester;
    private final Loaded old;
    private final Loaded.MapHandle oldHandle;
    private final String mapName;
    private final String file;
    private Loaded replacement;
    private Loaded.MapHandle newHandle;
    private boolean inPlace = true;
    private boolean confirmed;

    private Swap(
            LoaderServices services,
            String requester,
            Loaded old,
            Loaded.MapHandle oldHandle,
            String mapName,
            String file) {
        this.services = services;
        this.bpf = services.bpf();
        this.requester = requester;
        this.old = old;
        this.oldHandle = oldHandle;
        this.mapName = mapName;
        this.file = file;
    }

    /** Swaps {@code spec}'s map in for {@code current}'s {@code mapName}; returns the new object, owning the link. */
    static Loaded run(
            LoaderServices services,
            String requester,
            LoadedObject current,
            String mapName,
            OpenedObject spec,
            LoadOptions options)
            throws LoadException {
        String file = spec.name();
        if (!(current instanceof Loaded old) || !old.isOpen()) {
            throw new LoadException(
                    file + ": swap " + mapName + ": the current object is not one this loader holds", null, null);
        }
        Loaded.MapHandle oldHandle = old.handle(mapName)
                .orElseThrow(() -> new LoadException(
                        file + ": swap " + mapName + ": " + old.name() + " has no attached map of that name",
                        null,
                        null));
        Swap swap = new Swap(services, requester, old, oldHandle, mapName, file);
        String newName = replacementName(spec, mapName, options);
        // The new object is loaded, verified and its map filled, but not linked; until the link moves, the old
        // algorithm keeps running, and any failure so far leaves it as it was.
        swap.replacement = new LoadSession(
                        services, spec, options, LoadSession.Purpose.replacing(newName, oldHandle.view), requester)
                .load();
        try {
            swap.check(newName);
            swap.move();
            swap.confirm();
            LOG.info(
                    "{}: {} swapped in for {} of {} (link id {}), asked by {}",
                    file,
                    newName,
                    mapName,
                    old.name(),
                    swap.newHandle.info().linkId(),
                    requester);
            return swap.replacement;
        } catch (LoadException | RuntimeException e) {
            swap.replacement.close();
            throw e;
        }
    }

    /**
     * Which variable of {@code spec} replaces {@code mapName}: the same-named one, or else the object's only
     * struct_ops variable (another version of a scheduler under a new name, say).
     */
    private static String replacementName(OpenedObject spec, String mapName, LoadOptions options) throws LoadException {
        List<String> names = spec.selected(options);
        if (names.contains(mapName)) {
            return mapName;
        }
        if (names.size() == 1) {
            return names.get(0);
        }
        throw new LoadException(
                spec.name() + ": swap " + mapName + ": the object has no struct_ops variable of that"
                        + " name, and "
                        + (names.isEmpty()
                                ? "none at all"
                                : names.size() + " others (" + String.join(", ", names)
                                        + "), so which one would replace it is not clear"),
                null,
                null);
    }

    /**
     * Step: the new map is of the same kind (link-based or legacy) and kernel struct as the old one, and its handler
     * agrees to the swap.
     */
    private void check(String newName) throws LoadException {
        newHandle = replacement
                .handle(newName, false)
                .orElseThrow(() -> new LoadException(
                        file + ": swap " + mapName + ": the object's " + newName + " was attached by its load",
                        null,
                        null));
        if (newHandle.legacy() != oldHandle.legacy()) {
            throw new LoadException(
                    file + ": swap " + mapName + ": " + newName + " is " + kind(newHandle) + " and " + mapName + " "
                            + kind(oldHandle) + "; a swap replaces a map with one of the same kind",
                    null,
                    null);
        }
        if (!newHandle.info().type().equals(oldHandle.info().type())) {
            throw new LoadException(
                    file + ": swap " + mapName + ": " + newName + " is a "
                            + newHandle.info().type() + ", not a "
                            + oldHandle.info().type(),
                    null,
                    null);
        }
        HandlerSteps.consult(services.handlers(), newHandle.view, "before swap", h -> h.beforeAttach(newHandle.view));
    }

    private static String kind(Loaded.MapHandle h) {
        return h.legacy() ? "a legacy map (SEC(\".struct_ops\"))" : "link-based";
    }

    /**
     * Step: the link moves to the new map (a legacy map has none: it is attached as the struct allows, below). The old object must not be closed between the check and the move: a
     * close that detached the link after BPF_LINK_UPDATE had moved it would take the new map down with it.
     */
    private void move() throws LoadException {
        synchronized (old) {
            if (!old.isOpen() || !oldHandle.attached()) {
                throw new LoadException(
                        file + ": swap " + mapName + ": " + old.name() + " was closed, or its map"
                                + " detached, while the new object loaded; nothing was swapped",
                        null,
                        null);
            }
            if (oldHandle.legacy()) {
                inPlace = false;
            } else {
                try {
                    bpf.linkUpdate(oldHandle.link(), newHandle.map, 0);
                } catch (BpfException e) {
                    if (e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.ENOTSUPP) {
                        throw new LoadException(
                                file + ": swap " + mapName + ": BPF_LINK_UPDATE: " + e.getMessage(), null, e);
                    }
                    inPlace = false;
                }
            }
            if (inPlace) {
                Loaded.moveLink(old, oldHandle, replacement, newHandle);
            } else if (attachesBeside()) {
                attachBesideThenDetach();
            } else {
                detachThenAttach();
            }
        }
    }

    /** Whether the struct's handler lets the new map be attached while the old one still is. */
    private boolean attachesBeside() {
        return services.handlers()
                .handlerFor(oldHandle.view.struct())
                .map(h -> {
                    try {
                        return h.handler().attachesBeside(oldHandle.view, newHandle.view);
                    } catch (RuntimeException e) {
                        LOG.warn(
                                "{}: swap {}: the handler could not say how to swap ({}); detaching first",
                                file,
                                mapName,
                                e.toString());
                        return false;
                    }
                })
                .orElse(false);
    }

    /**
     * This struct cannot be updated in place, but its two maps may be attached at once (two bpf qdisc kinds): the
     * new map is attached, the handler moves over what uses the old one (its after-swap, with both attached), and
     * only then is the old one detached, so nothing is ever without one. If the handler refuses, the new map is
     * detached again and the old one never left.
     */
    private void attachBesideThenDetach() throws LoadException {
        try {
            Loaded.attachBeside(bpf, replacement, newHandle);
        } catch (BpfException e) {
            throw new LoadException(
                    file + ": swap " + mapName + ": attaching the new map beside the old one failed: " + e.getMessage()
                            + "; the old map stays attached",
                    null,
                    e);
        }
        try {
            afterSwap();
        } catch (LoadException e) {
            try {
                Loaded.detachBeside(bpf, replacement, newHandle);
            } catch (BpfException back) {
                LOG.error("{}: swap {}: could not detach the new map again: {}", file, mapName, back.getMessage());
            }
            throw e;
        }
        confirmed = true;
        HandlerSteps.notify(services.handlers(), oldHandle.view, "before detach", h -> h.beforeDetach(oldHandle.view));
        try {
            Loaded.detachReplaced(bpf, old, oldHandle, replacement, newHandle);
        } catch (BpfException e) {
            LOG.warn(
                    "{}: swap {}: the new map is attached, but the old one could not be detached: {}",
                    file,
                    mapName,
                    e.getMessage());
        }
        LOG.info(
                "{}: {} attached beside the old map, which was then detached: nothing was without one, asked by {}",
                file,
                oldHandle.info().type(),
                requester);
        HandlerSteps.notify(services.handlers(), oldHandle.view, "after detach", h -> h.afterDetach(oldHandle.view));
    }

    /**
     * This struct cannot be updated in place (sched_ext): detach, then attach, and say for how long nothing was
     * attached. If the new map will not attach, the old one is linked again.
     */
    private void detachThenAttach() throws LoadException {
        HandlerSteps.notify(services.handlers(), oldHandle.view, "before detach", h -> h.beforeDetach(oldHandle.view));
        try {
            Duration gap = Loaded.detachThenAttach(bpf, old, oldHandle, replacement, newHandle);
            LOG.info(
                    "{}: {} cannot be updated in place; detached the old map and attached the new one: none was"
                            + " attached for {} us, asked by {}",
                    file,
                    oldHandle.info().type(),
                    gap.toNanos() / 1000,
                    requester);
            HandlerSteps.notify(
                    services.handlers(), oldHandle.view, "after detach", h -> h.afterDetach(oldHandle.view));
        } catch (BpfException e) {
            throw new LoadException(
                    file + ": swap " + mapName + ": "
                            + (oldHandle.legacy()
                                    ? "registering the new legacy map after unregistering the old failed: "
                                    : "the kernel cannot update "
                                            + oldHandle.info().type()
                                            + " in place, and attaching the new map after detaching the old failed: ")
                            + e.getMessage()
                            + (oldHandle.attached()
                                    ? "; the old map is attached again"
                                    : oldHandle.legacy()
                                            ? "; the old map cannot be registered again (the kernel registers a"
                                                    + " legacy map once): load its object again"
                                            : "; the old map could not be attached again"),
                    null,
                    e);
        }
    }

    private void afterSwap() throws LoadException {
        HandlerSteps.consult(
                services.handlers(), newHandle.view, "after swap", h -> h.afterSwap(oldHandle.view, newHandle.view));
    }

    /** Step: the handler's after-swap; if it says the new map must not run, the link goes back to the old one. */
    private void confirm() throws LoadException {
        if (confirmed) {
            return; // asked already, with both attached (attachBesideThenDetach)
        }
        try {
            afterSwap();
        } catch (LoadException e) {
            try {
                if (oldHandle.legacy()) {
                    // The kernel registers a legacy map once: the old one cannot come back, so the new one goes.
                    Loaded.detachBeside(bpf, replacement, newHandle);
                    LOG.warn(
                            "{}; the new map is unregistered, and the old one cannot be registered again",
                            e.getMessage());
                    throw e;
                }
                if (inPlace) {
                    bpf.linkUpdate(newHandle.link(), oldHandle.map, 0);
                    Loaded.moveLink(replacement, newHandle, old, oldHandle);
                } else {
                    Loaded.detachThenAttach(bpf, replacement, newHandle, old, oldHandle);
                }
                LOG.warn("{}; swapped back to {}", e.getMessage(), old.name());
            } catch (BpfException back) {
                LOG.error("{}: swap {}: could not swap back to {}: {}", file, mapName, old.name(), back.getMessage());
            }
            throw e;
        }
    }
}
