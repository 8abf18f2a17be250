package io.structops.handler.schedext.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import io.structops.handler.GlobalVariable;
import io.structops.handler.HandlerException;
import io.structops.handler.Preparation;
import io.structops.handler.StructOps;
import io.structops.handler.StructOpsHandler;
import io.structops.kernel.btf.KernelBtf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sched_ext: the kernel runs one BPF scheduler at a time and says how it is doing in {@code /sys/kernel/sched_ext}.
 * Before anything is loaded, the name, flags and watchdog timeout are checked the way the kernel will check them
 * (flags against its own {@code enum scx_ops_flags}); before attach, that no scheduler is running; after attach,
 * that the kernel enabled this one; after detach, that it is disabled again. While one of its schedulers is attached, a
 * watcher polls the state: when the kernel throws the scheduler out (an error, the watchdog, SysRq-S), it says why,
 * from the exit record the scheduler's {@code ops.exit} filled or else from the kernel log, in the log and in
 * {@code list}'s status.
 */
@Component(property = StructOpsHandler.STRUCT + "=sched_ext_ops")
public class SchedExtOpsHandler implements StructOpsHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SchedExtOpsHandler.class);
    static final Path DEFAULT_SYSFS = Path.of("/sys/kernel/sched_ext");
    /** SCX_OPS_NAME_LEN, with the NUL. */
    static final int NAME_MAX = 128;
    /** SCX_WATCHDOG_MAX_TIMEOUT is 30 * HZ jiffies: 30 s whatever HZ is. */
    static final long TIMEOUT_MAX_MS = 30_000;
    /** How long the kernel may take to switch tasks over to a new scheduler, or back. */
    static final long SETTLE_MILLIS = 10_000;

    /** What {@code UEI_DEFINE(x)} names the length of its dump buffer {@code x_dump}. */
    static final String DUMP_LEN = "_dump_len";
    /** The kernel's SCX_EXIT_DUMP_DFL_LEN: how much it dumps when ops.exit_dump_len is 0. */
    static final int EXIT_DUMP_DEFAULT = 32768;
    /** The globals {@code SCX_ENUM_INIT} fills: {@code __} and the kernel enumerator's name. */
    static final String ENUM_COPY_PREFIX = "__SCX_";

    /** How often the watcher reads the state while a scheduler is attached. */
    static final long WATCH_MILLIS = 250;
    /** How long ops.exit may take after the kernel left "enabled", before the exit record is read. */
    static final long EXIT_SETTLE_MILLIS = 3_000;

    private final KernelBtf kernel;
    private final Path sysfs;
    /** Schedulers attached through this handler that the watcher keeps an eye on (views compare by identity). */
    private final Set<StructOps> watched = ConcurrentHashMap.newKeySet();
    /** Why the kernel disabled a scheduler that was still attached here, until it is detached. */
    private final Map<StructOps, String> thrownOut = new ConcurrentHashMap<>();

    private final ScheduledExecutorService watcher;

    @Activate
    public SchedExtOpsHandler(@Reference KernelBtf kernel) {
        this(kernel, DEFAULT_SYSFS);
    }

    SchedExtOpsHandler(KernelBtf kernel, Path sysfs) {
        this.kernel = kernel;
        this.sysfs = sysfs;
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "structops sched_ext watcher");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::watch, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        watcher.shutdownNow();
        try {
            watcher.awaitTermination(EXIT_SETTLE_MILLIS + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watched.clear();
    }

    /** One look at each watched scheduler: is it still the one the kernel runs? */
    void watch() {
        for (StructOps ops : watched) {
            try {
                if (!ops.attached()) {
                    watched.remove(ops); // detached through the loader; afterDetach confirms it
                    continue;
                }
                String name = ops.string("name").orElse("");
                String state = read("state").orElse("");
                if (state.equals("enabled") && read("root/ops").orElse("").equals(name)) {
                    continue;
                }
                // Let ops.exit finish writing its record, then make sure the loader did not start a detach meanwhile
                // (it clears attached() first, so a disable it caused is never taken for the kernel's).
                long deadline = System.currentTimeMillis() + EXIT_SETTLE_MILLIS;
                while (!state.equals("disabled") && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                    state = read("state").orElse("");
                }
                if (!ops.attached() || !watched.remove(ops)) {
                    continue;
                }
                String why = explainExit(ops);
                thrownOut.put(ops, why);
                LOG.warn(
                        "sched_ext scheduler {} ({}) was disabled by the kernel: {}. Its map stays attached here"
                                + " until it is unloaded or swapped.",
                        name,
                        ops.object(),
                        why);
                ExitRecord.find(ops.globals(), this::exitKindName)
                        .map(ExitRecord::dump)
                        .filter(d -> !d.isEmpty())
                        .ifPresent(d -> LOG.warn("sched_ext scheduler {}: the kernel's dump at exit:\n{}", name, d));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.debug("sched_ext watcher: {}", e.toString());
            }
        }
    }

    /** Why the kernel disabled {@code ops}: its exit record, else the kernel log, else what is known. */
    String explainExit(StructOps ops) {
        Optional<ExitRecord> record = ExitRecord.find(ops.globals(), this::exitKindName);
        if (record.isPresent()) {
            return record.get().toString();
        }
        String name = ops.string("name").orElse("");
        Optional<List<String>> log = KernelLog.lines();
        if (log.isEmpty()) {
            return "it left no exit record, and the kernel log is not readable here (it needs CAP_SYSLOG)";
        }
        return KernelLog.lastDisable(log.get(), name)
                .map(l -> "the kernel log says: " + l)
                .orElse("it left no exit record, and the kernel log does not say why");
    }

    /** The kernel's name for an {@code scx_exit_kind} value, from its BTF; the number if it does not say. */
    String exitKindName(long kind) {
        return kernelEnum("scx_exit_kind").entrySet().stream()
                .filter(e -> e.getValue() == kind)
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse(Long.toString(kind));
    }

    /** The enumerators of one of the kernel's enums, by name, in order; empty if its BTF has no such enum. */
    Map<String, Long> kernelEnum(String name) {
        Map<String, Long> values = new LinkedHashMap<>();
        try {
            Btf btf = kernel.vmlinux();
            OptionalInt id = btf.find(name, BtfKind.ENUM);
            if (id.isEmpty()) {
                id = btf.find(name, BtfKind.ENUM64);
            }
            if (id.isPresent() && btf.type(id.getAsInt()) instanceof BtfType.Enumeration e) {
                e.values().forEach(v -> values.put(v.name(), v.value()));
            }
        } catch (Exception e) {
            LOG.debug("no enum {} in the kernel's BTF: {}", name, e.toString());
        }
        return values;
    }

    private Optional<String> read(String file) {
        try {
            return Optional.of(Files.readString(sysfs.resolve(file)).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    String state() throws HandlerException {
        return read("state")
                .orElseThrow(() -> new HandlerException(
                        "this kernel has no sched_ext (" + sysfs + " is missing; it needs CONFIG_SCHED_CLASS_EXT)"));
    }

    /** The kernel's SCX_OPS_ALL_FLAGS, from its BTF; empty if its BTF does not say. */
    OptionalLong allFlags() {
        Long all = kernelEnum("scx_ops_flags").get("SCX_OPS_ALL_FLAGS");
        return all == null ? OptionalLong.empty() : OptionalLong.of(all);
    }

    /**
     * What a C scheduler's own loader (tools/sched_ext's {@code SCX_OPS_OPEN}) does between opening and loading,
     * for objects that have no such loader here: every {@code __SCX_*} global the object declares gets the kernel's
     * value of that enumerator ({@code SCX_ENUM_INIT}; without it {@code SCX_DSQ_LOCAL} reads 0 and the kernel
     * throws the scheduler out), and {@code hotplug_seq} the kernel's count of CPU hotplug events, so that a CPU
     * coming or going before attach makes the kernel refuse the scheduler rather than run it on a stale CPU set; and a
     * {@code UEI_DEFINE} exit record's dump buffer is sized to the kernel's dump length ({@code UEI_SET_SIZE}).
     */
    @Override
    public void prepare(Preparation object) throws HandlerException {
        Map<String, Long> enumerators = null;
        for (String global : object.globals()) {
            if (!global.startsWith(ENUM_COPY_PREFIX)) {
                continue;
            }
            if (enumerators == null) {
                enumerators = kernelEnumerators();
            }
            Long value = enumerators.get(global.substring(2));
            if (value != null) {
                object.global(global, "0x" + Long.toHexString(value));
            }
        }
        for (String global : object.globals()) {
            // UEI_DEFINE(uei): the struct, a resizable char array uei_dump and its length uei_dump_len, which a
            // scheduler's userspace sizes (UEI_SET_SIZE) to what the kernel writes when it throws the scheduler out.
            String base = global.endsWith(DUMP_LEN) ? global.substring(0, global.length() - DUMP_LEN.length()) : "";
            if (!base.isEmpty()
                    && object.globals().contains(base)
                    && object.globals().contains(base + "_dump")) {
                long asked = object.ops().integer("exit_dump_len").orElse(0);
                int length = asked > 0 ? (int) Math.min(asked, Integer.MAX_VALUE) : EXIT_DUMP_DEFAULT;
                object.global(global, Integer.toString(length));
                object.array(base + "_dump", length);
            }
        }
        Optional<String> seq = read("hotplug_seq");
        if (seq.isPresent() && object.ops().integer("hotplug_seq").isPresent()) {
            try {
                object.member("hotplug_seq", Long.parseLong(seq.get()));
            } catch (NumberFormatException e) {
                throw new HandlerException(
                        "hotplug_seq: " + sysfs.resolve("hotplug_seq") + " holds '" + seq.get() + "', not a number");
            }
        }
    }

    /** Every {@code SCX_*} enumerator of the kernel's enums, by name. */
    private Map<String, Long> kernelEnumerators() throws HandlerException {
        Map<String, Long> values = new HashMap<>();
        try {
            Btf btf = kernel.vmlinux();
            for (int id = 1; id < btf.typeCount(); id++) {
                if (btf.kind(id) != BtfKind.ENUM && btf.kind(id) != BtfKind.ENUM64) {
                    continue;
                }
                for (BtfType.EnumValue v : ((BtfType.Enumeration) btf.type(id)).values()) {
                    if (v.name().startsWith("SCX_")) {
                        values.putIfAbsent(v.name(), v.value());
                    }
                }
            }
        } catch (BtfException e) {
            throw new HandlerException("the kernel's BTF: " + e.getMessage(), e);
        }
        return values;
    }

    @Override
    public void validate(StructOps ops) throws HandlerException {
        state();
        String name = ops.string("name").orElse("");
        if (name.isEmpty()) {
            throw new HandlerException("name is empty; the kernel shows it in /sys/kernel/sched_ext/root/ops");
        }
        if (name.length() > NAME_MAX - 1) {
            throw new HandlerException("name '" + name + "' does not fit: at most " + (NAME_MAX - 1) + " characters");
        }
        for (char c : name.toCharArray()) {
            // The kernel copies it with bpf_obj_name_cpy(), which takes letters, digits, '_' and '.' only.
            if (!(Character.isLetterOrDigit(c) && c < 128) && c != '_' && c != '.') {
                throw new HandlerException(
                        "name '" + name + "' has '" + c + "'; the kernel takes letters, digits," + " '_' and '.' only");
            }
        }
        long flags = ops.integer("flags").orElse(0);
        OptionalLong all = allFlags();
        if (all.isPresent() && (flags & ~all.getAsLong()) != 0) {
            StringBuilder known = new StringBuilder();
            kernelEnum("scx_ops_flags").forEach((n, v) -> {
                if (!n.equals("SCX_OPS_ALL_FLAGS")) {
                    known.append(known.isEmpty() ? "" : ", ").append(n).append(String.format("=0x%x", v));
                }
            });
            throw new HandlerException(String.format(
                    "flags 0x%x has bits this kernel does not know: 0x%x (it" + " knows %s)",
                    flags, flags & ~all.getAsLong(), known));
        }
        long timeout = ops.integer("timeout_ms").orElse(0);
        if (timeout > TIMEOUT_MAX_MS) {
            throw new HandlerException("timeout_ms " + timeout + " is longer than the kernel's watchdog allows ("
                    + TIMEOUT_MAX_MS + " ms)");
        }
    }

    @Override
    public void beforeAttach(StructOps ops) throws HandlerException {
        String state = state();
        String replaced = ops.replacing().flatMap(r -> r.string("name")).orElse(null);
        if (replaced != null && replaced.equals(read("root/ops").orElse(""))) {
            return; // a swap: the scheduler running is the one about to be replaced
        }
        if (!state.equals("disabled")) {
            String running = read("root/ops").filter(s -> !s.isEmpty()).orElse("(unnamed)");
            throw new HandlerException("sched_ext is " + state + " with scheduler " + running + "; the kernel runs"
                    + " one at a time: unload it first");
        }
    }

    /** Waits until the state is {@code wanted}; the last state read. */
    private String await(String wanted) throws HandlerException {
        return awaitUntil(() -> state().equals(wanted));
    }

    /** Waits until {@code done} holds, or the settle time ends; the last state read. */
    private String awaitUntil(Check done) throws HandlerException {
        long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
        while (!done.holds() && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return state();
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws HandlerException;
    }

    @Override
    public void afterAttach(StructOps ops) throws HandlerException {
        String name = ops.string("name").orElse("");
        String state = await("enabled");
        String running = read("root/ops").orElse("");
        if (!state.equals("enabled") || !running.equals(name)) {
            // A scheduler that was enabled and thrown out at once (scx_bpf_error in its first callbacks) says why
            // in its exit record, as a watched one does.
            String why = state.equals("disabled") ? explainExit(ops) : "see the kernel log (dmesg) for why";
            throw new HandlerException("the kernel did not enable " + name + " (sched_ext is " + state
                    + (running.isEmpty() ? "" : ", running " + running) + "): " + why);
        }
        LOG.info(
                "sched_ext scheduler {} enabled (enable_seq {})",
                name,
                read("enable_seq").orElse("?"));
        thrownOut.remove(ops);
        watched.add(ops);
    }

    @Override
    public void afterDetach(StructOps ops) {
        watched.remove(ops);
        thrownOut.remove(ops);
        String name = ops.string("name").orElse(ops.mapName());
        try {
            // Gone once sched_ext is disabled, or (a swap that detached it and attached another) runs another one.
            String state = awaitUntil(() ->
                    state().equals("disabled") || !read("root/ops").orElse("").equals(name));
            String running = read("root/ops").orElse("");
            if (state.equals("disabled")) {
                LOG.info("sched_ext scheduler {} disabled", name);
            } else if (!running.equals(name)) {
                LOG.info("sched_ext scheduler {} replaced by {}", name, running);
            } else {
                LOG.warn("sched_ext is still {} with {} after it was detached", state, name);
            }
        } catch (HandlerException e) {
            LOG.warn("{}", e.getMessage());
        }
    }

    @Override
    public Map<String, Object> status(StructOps ops) {
        Map<String, Object> status = new LinkedHashMap<>();
        String name = ops.string("name").orElse("");
        status.put("scheduler", name);
        status.put("state", read("state").orElse(null));
        status.put("running", read("root/ops").map(name::equals).orElse(false));
        for (String counter : new String[] {"enable_seq", "nr_rejected", "switch_all"}) {
            status.put(
                    counter,
                    read(counter)
                            .map(v -> {
                                try {
                                    return (Object) Long.parseLong(v);
                                } catch (NumberFormatException e) {
                                    return v;
                                }
                            })
                            .orElse(null));
        }
        String why = thrownOut.get(ops);
        if (why != null) {
            status.put("disabled_by_kernel", why);
        }
        List<GlobalVariable> globals = ops.globals();
        ExitRecord.find(globals, this::exitKindName).ifPresent(r -> status.put("exit", r.toMap()));
        Map<String, Long> counters = ops.counters();
        if (!counters.isEmpty()) {
            status.put("counters", counters);
        }
        return status;
    }

    /**
     * sched_ext's state and the scheduler running, whoever loaded it, and the kernel's own counts; empty on a kernel
     * without sched_ext.
     */
    @Override
    public Map<String, Object> kernelState() {
        Optional<String> state = read("state");
        if (state.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", state.get());
        read("root/ops").filter(s -> !s.isEmpty()).ifPresent(s -> out.put("scheduler", s));
        for (String counter : new String[] {"enable_seq", "nr_rejected"}) {
            read(counter).ifPresent(v -> {
                try {
                    out.put(counter, Long.parseLong(v));
                } catch (NumberFormatException e) {
                    // not a count on this kernel: left out
                }
            });
        }
        return out;
    }
}
