package io.structops.handler.qdisc.internal;

import io.structops.handler.HandlerException;
import io.structops.handler.StructOps;
import io.structops.handler.StructOpsHandler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * bpf qdiscs ({@code Qdisc_ops}, since Linux 6.16): the kernel's rules for registering one, checked before anything
 * is loaded so that the user reads which rule the object breaks instead of a bare EINVAL; and, once the qdisc kind
 * is registered, the qdisc put on the network devices the load's options name, each device given back what it had
 * before the kind is unregistered, so that an unload never leaves a device without its qdisc or fails with EBUSY.
 */
@Component(property = StructOpsHandler.STRUCT + "=Qdisc_ops")
public class QdiscOpsHandler implements StructOpsHandler {
    private static final Logger LOG = LoggerFactory.getLogger(QdiscOpsHandler.class);

    /** IFNAMSIZ: the size of {@code id}, with its terminating NUL. */
    static final int ID_MAX = 16;

    /** The ops the kernel's {@code bpf_qdisc_validate} requires (a map without one is refused with EINVAL). */
    static final Set<String> REQUIRED = Set.of("enqueue", "dequeue", "init", "reset", "destroy");

    /** The ops a program may implement; the kernel refuses a program for any other member. */
    static final Set<String> SUPPORTED = Set.of("enqueue", "dequeue", "peek", "init", "reset", "destroy");

    /** Data members the kernel fills in itself and refuses a value for. */
    static final List<String> KERNEL_OWNED = List.of("priv_size", "static_flags");

    /** What was on one device before the qdisc was put there. */
    record Placed(String device, int ifindex, int parent, Optional<Qdisc> previous) {}

    private final Path sysClassNet;
    private final Map<StructOps, List<Placed>> placed = new ConcurrentHashMap<>();
    /** For a map swapped in beside the old one: how long each device's replace took, in microseconds. */
    private final Map<StructOps, Map<String, Long>> moves = new ConcurrentHashMap<>();
    /** The kinds this runtime's maps registered, so that a second one of a kind is refused by name. */
    private final Map<StructOps, String> registered = new ConcurrentHashMap<>();

    @Activate
    public QdiscOpsHandler() {
        this(Placement.SYS_CLASS_NET);
    }

    /** With another directory standing for /sys/class/net (tests). */
    QdiscOpsHandler(Path sysClassNet) {
        this.sysClassNet = sysClassNet;
    }

    @Override
    public String optionPrefix() {
        return Placement.PREFIX;
    }

    @Override
    public void validate(StructOps ops) throws HandlerException {
        String kind = kind(ops);
        Optional<StructOps> holder = registered.entrySet().stream()
                .filter(e -> e.getValue().equals(kind)
                        && e.getKey() != ops.replacing().orElse(ops))
                .map(Map.Entry::getKey)
                .findFirst();
        if (holder.isPresent()) {
            throw new HandlerException("the qdisc kind " + kind + " is already registered, by map "
                    + holder.get().mapName() + " of " + holder.get().object() + "; a kind is registered once");
        }
        Set<String> missing = new TreeSet<>(REQUIRED);
        missing.removeAll(ops.programMembers());
        if (!missing.isEmpty()) {
            throw new HandlerException("a bpf qdisc needs programs for enqueue, dequeue, init, reset and destroy"
                    + " (the kernel refuses it with EINVAL otherwise); missing: " + String.join(", ", missing));
        }
        Set<String> unsupported = new TreeSet<>(ops.programMembers());
        unsupported.removeAll(SUPPORTED);
        if (!unsupported.isEmpty()) {
            throw new HandlerException(
                    "the kernel runs programs only for " + String.join(", ", new TreeSet<>(SUPPORTED))
                            + " of a bpf qdisc; not for: " + String.join(", ", unsupported));
        }
        for (String member : KERNEL_OWNED) {
            long value = ops.integer(member).orElse(0);
            if (value != 0) {
                throw new HandlerException(member + " is " + value + "; the kernel sets it for a bpf qdisc and refuses"
                        + " any other value: leave it 0");
            }
        }
        Placement placement = Placement.of(ops.options());
        for (String device : placement.devices()) {
            Placement.ifindex(sysClassNet, device);
        }
    }

    /** The qdisc kind the map registers ({@code id}), checked as the kernel's {@code bpf_obj_name_cpy} checks it. */
    static String kind(StructOps ops) throws HandlerException {
        String id = ops.string("id")
                .orElseThrow(() -> new HandlerException("the kernel's Qdisc_ops has no char[] id member"));
        if (id.isEmpty()) {
            throw new HandlerException("id is empty; set .id to the qdisc's kind, the name tc uses (at most "
                    + (ID_MAX - 1) + " characters)");
        }
        if (id.length() > ID_MAX - 1) {
            throw new HandlerException("id '" + id + "' does not fit: at most " + (ID_MAX - 1) + " characters");
        }
        for (char c : id.toCharArray()) {
            if (!(Character.isLetterOrDigit(c) && c < 128) && c != '_' && c != '.') {
                throw new HandlerException("id '" + id + "' has '" + c + "'; the kernel takes only letters, digits,"
                        + " '_' and '.' in a qdisc's id");
            }
        }
        return id;
    }

    /** Puts the qdisc on each device named; if one refuses, those done are given back and the attach is undone. */
    @Override
    public void afterAttach(StructOps ops) throws HandlerException {
        place(ops, Placement.of(ops.options()));
    }

    /**
     * Two kinds can be registered at once, so a swap to a qdisc of another id attaches it beside the old one: the
     * loader then asks {@link #afterSwap} to move each device over, and detaches the old kind only after. A new
     * version under the same id must wait for the old kind to go.
     */
    @Override
    public boolean attachesBeside(StructOps previous, StructOps next) {
        return !previous.string("id").orElse("").equals(next.string("id").orElse(""));
    }

    /**
     * With the old kind still attached (a swap to another id), each device it is on is moved to the new kind in one
     * replace, so that no device is ever without a qdisc; a device that refuses sends the ones already moved back.
     * Otherwise the old map was detached first (its devices were given back) and the new one goes where the old one
     * was, unless its own options name devices.
     */
    @Override
    public void afterSwap(StructOps previous, StructOps current) throws HandlerException {
        Placement own = Placement.of(current.options());
        Placement placement = own.devices().isEmpty() ? Placement.of(previous.options()) : own;
        List<Placed> on = placed.get(previous);
        if (on == null) {
            place(current, placement);
            return;
        }
        String from = kind(previous);
        String to = kind(current);
        registered.put(current, to);
        List<Placed> moved = new ArrayList<>();
        Map<String, Long> micros = new LinkedHashMap<>();
        try (Rtnetlink rt = Rtnetlink.open()) {
            try {
                for (Placed p : on) {
                    long start = System.nanoTime();
                    rt.replace(p.device(), p.ifindex(), p.parent(), placement.handle(), to, null);
                    micros.put(p.device(), (System.nanoTime() - start) / 1000);
                    moved.add(p);
                }
            } catch (IOException e) {
                for (Placed p : moved.reversed()) {
                    rt.replace(p.device(), p.ifindex(), p.parent(), placement.handle(), from, null);
                }
                registered.remove(current);
                throw new HandlerException("qdisc " + to + ": " + e.getMessage()
                        + (moved.isEmpty() ? "" : "; the devices moved are back on " + from));
            }
        } catch (IOException e) {
            registered.remove(current);
            throw new HandlerException("qdisc " + to + ": " + e.getMessage());
        }
        placed.put(current, moved);
        placed.remove(previous);
        moves.put(current, micros);
        LOG.info("qdisc {} moved to {}, device by device in microseconds: {}", from, to, micros);
    }

    private void place(StructOps ops, Placement placement) throws HandlerException {
        registered.put(ops, kind(ops));
        if (placement.devices().isEmpty()) {
            return;
        }
        String kind = kind(ops);
        List<Placed> done = new ArrayList<>();
        try (Rtnetlink rt = Rtnetlink.open()) {
            List<Qdisc> before = rt.qdiscs();
            for (String device : placement.devices()) {
                int ifindex = Placement.ifindex(sysClassNet, device);
                Optional<Qdisc> previous = before.stream()
                        .filter(q -> q.ifindex() == ifindex && q.parent() == placement.parent())
                        .findFirst();
                rt.replace(device, ifindex, placement.parent(), placement.handle(), kind, null);
                done.add(new Placed(device, ifindex, placement.parent(), previous));
                LOG.info(
                        "qdisc {} put on {} at {} (it had {})",
                        kind,
                        device,
                        Qdisc.handleText(placement.parent()),
                        previous.map(Qdisc::kind).orElse("none"));
            }
        } catch (IOException | HandlerException e) {
            giveBack(kind, done);
            registered.remove(ops);
            throw new HandlerException("qdisc " + kind + ": " + e.getMessage()
                    + (done.isEmpty() ? "" : "; the devices it was put on have their qdisc back"));
        }
        placed.put(ops, done);
    }

    @Override
    public void beforeDetach(StructOps ops) {
        registered.remove(ops);
        String kind = ops.string("id").orElse(ops.mapName());
        List<Placed> done = placed.remove(ops);
        giveBack(kind, done == null ? List.of() : done);
        takeOffTheRest(kind);
    }

    /**
     * Where the kind is on a device this handler did not put it (by {@code tc}, or before a restart adopted the
     * map), that device gets the kernel's default: an unregistered kind must not be left in use.
     */
    private static void takeOffTheRest(String kind) {
        try (Rtnetlink rt = Rtnetlink.open()) {
            for (Qdisc q : rt.qdiscs()) {
                if (q.kind().equals(kind)) {
                    String device = "device " + q.ifindex();
                    rt.delete(device, q.ifindex(), q.parent(), q.handle());
                    LOG.info("qdisc {} taken off {}, where something else had put it", kind, device);
                }
            }
        } catch (IOException e) {
            LOG.warn("qdisc {}: could not take it off every device: {}", kind, e.getMessage());
        }
    }

    @Override
    public void afterDetach(StructOps ops) {
        moves.remove(ops);
        registered.remove(ops); // also where no before-detach came (a map the kernel let go of by itself)
    }

    /**
     * Gives each device what it had: the qdisc of before with its own parameters, or, where the kernel's default
     * was there (handle 0:), the default again by deleting ours. Problems are logged, device by device.
     */
    private static void giveBack(String kind, List<Placed> done) {
        if (done.isEmpty()) {
            return;
        }
        try (Rtnetlink rt = Rtnetlink.open()) {
            for (Placed p : done.reversed()) {
                try {
                    Optional<Qdisc> previous = p.previous().filter(q -> (q.handle() >>> 16) != 0);
                    if (previous.isPresent()) {
                        Qdisc q = previous.get();
                        rt.replace(p.device(), p.ifindex(), p.parent(), q.handle(), q.kind(), q.options());
                    } else {
                        rt.delete(p.device(), p.ifindex(), p.parent(), 0);
                    }
                    LOG.info(
                            "qdisc {} taken off {}: it has {} again",
                            kind,
                            p.device(),
                            previous.map(Qdisc::kind).orElse("the kernel's default"));
                } catch (IOException e) {
                    LOG.warn("qdisc {}: could not give {} its qdisc back: {}", kind, p.device(), e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.warn("qdisc {}: could not give the devices their qdiscs back: {}", kind, e.getMessage());
        }
    }

    /**
     * The devices the qdisc is on, with the counters {@code tc -s qdisc show} prints for it there. A kind is
     * registered once in a kernel, so wherever the kind is, this map's qdisc is: that also covers a map adopted after
     * a restart, whose placements this handler did not make. A device it was put on and no longer has it is listed
     * as such.
     */
    @Override
    public Map<String, Object> status(StructOps ops) {
        Map<String, Object> status = new LinkedHashMap<>();
        String kind = ops.string("id").orElse("");
        status.put("kind", kind);
        List<Map<String, Object>> devices = new ArrayList<>();
        try (Rtnetlink rt = Rtnetlink.open()) {
            List<Qdisc> on =
                    rt.qdiscs().stream().filter(q -> q.kind().equals(kind)).toList();
            for (Qdisc q : on) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("device", deviceName(ops, q.ifindex()));
                describe(d, q);
                devices.add(d);
            }
            for (Placed p : placed.getOrDefault(ops, List.of())) {
                if (on.stream().noneMatch(q -> q.ifindex() == p.ifindex())) {
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("device", p.device());
                    d.put("state", "not on the device");
                    devices.add(d);
                }
            }
        } catch (IOException e) {
            status.put("error", e.getMessage());
        }
        status.put("devices", devices);
        Map<String, Long> moved = moves.get(ops);
        if (moved != null) {
            status.put("movedMicros", moved); // the swap that put it there: each device's replace
        }
        return status;
    }

    /** The name the handler placed it under, else the device's name now. */
    private String deviceName(StructOps ops, int ifindex) {
        return placed.getOrDefault(ops, List.of()).stream()
                .filter(p -> p.ifindex() == ifindex)
                .map(Placed::device)
                .findFirst()
                .orElseGet(() -> Placement.deviceName(sysClassNet, ifindex));
    }

    private static void describe(Map<String, Object> d, Qdisc q) {
        d.put("handle", Qdisc.handleText(q.handle()));
        d.put("parent", Qdisc.handleText(q.parent()));
        Qdisc.Stats s = q.stats();
        d.put("packets", s.packets());
        d.put("bytes", s.bytes());
        d.put("drops", s.drops());
        d.put("overlimits", s.overlimits());
        d.put("requeues", s.requeues());
        d.put("backlog", s.backlog());
        d.put("qlen", s.qlen());
    }
}
