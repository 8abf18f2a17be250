package io.structops.handler.schedext.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import io.structops.handler.HandlerException;
import io.structops.handler.StructOps;
import io.structops.handler.StructOpsHandler;
import io.structops.kernel.btf.KernelBtf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sched_ext: the kernel runs one BPF scheduler at a time and says how it is doing in {@code /sys/kernel/sched_ext}.
 * Before anything is loaded, the name, flags and watchdog timeout are checked the way the kernel will check them
 * (flags against its own {@code enum scx_ops_flags}); before attach, that no scheduler is running; after attach,
 * that the kernel enabled this one; after detach, that it is disabled again.
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

    private final KernelBtf kernel;
    private final Path sysfs;

    @Activate
    public SchedExtOpsHandler(@Reference KernelBtf kernel) {
        this(kernel, DEFAULT_SYSFS);
    }

    SchedExtOpsHandler(KernelBtf kernel, Path sysfs) {
        this.kernel = kernel;
        this.sysfs = sysfs;
    }

    private Optional<String> read(String file) {
        try {
            return Optional.of(Files.readString(sysfs.resolve(file)).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    String state() throws HandlerException {
        return read("state").orElseThrow(() -> new HandlerException("this kernel has no sched_ext (" + sysfs
                + " is missing; it needs CONFIG_SCHED_CLASS_EXT)"));
    }

    /** The kernel's SCX_OPS_ALL_FLAGS, from its BTF; empty if its BTF does not say. */
    OptionalLong allFlags() {
        try {
            Btf btf = kernel.vmlinux();
            OptionalInt id = btf.find("scx_ops_flags", BtfKind.ENUM);
            if (id.isEmpty()) {
                id = btf.find("scx_ops_flags", BtfKind.ENUM64);
            }
            if (id.isPresent() && btf.type(id.getAsInt()) instanceof BtfType.Enumeration e) {
                for (BtfType.EnumValue v : e.values()) {
                    if (v.name().equals("SCX_OPS_ALL_FLAGS")) {
                        return OptionalLong.of(v.value());
                    }
                }
            }
        } catch (Exception e) {
            LOG.debug("no scx_ops_flags in the kernel's BTF: {}", e.toString());
        }
        return OptionalLong.empty();
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
                throw new HandlerException("name '" + name + "' has '" + c + "'; the kernel takes letters, digits,"
                        + " '_' and '.' only");
            }
        }
        long flags = ops.integer("flags").orElse(0);
        OptionalLong all = allFlags();
        if (all.isPresent() && (flags & ~all.getAsLong()) != 0) {
            throw new HandlerException(String.format("flags 0x%x has bits this kernel does not know (0x%x; its"
                    + " SCX_OPS_ALL_FLAGS is 0x%x)", flags, flags & ~all.getAsLong(), all.getAsLong()));
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
        long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
        String state = state();
        while (!state.equals(wanted) && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            state = state();
        }
        return state;
    }

    @Override
    public void afterAttach(StructOps ops) throws HandlerException {
        String name = ops.string("name").orElse("");
        String state = await("enabled");
        String running = read("root/ops").orElse("");
        if (!state.equals("enabled") || !running.equals(name)) {
            throw new HandlerException("the kernel did not enable " + name + " (sched_ext is " + state
                    + (running.isEmpty() ? "" : ", running " + running) + "); see the kernel log (dmesg) for why");
        }
        LOG.info("sched_ext scheduler {} enabled (enable_seq {})", name, read("enable_seq").orElse("?"));
    }

    @Override
    public void afterDetach(StructOps ops) {
        try {
            String state = await("disabled");
            if (state.equals("disabled")) {
                LOG.info("sched_ext scheduler {} disabled", ops.string("name").orElse(ops.mapName()));
            } else {
                LOG.warn("sched_ext is still {} after {} was detached", state, ops.string("name").orElse("?"));
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
            status.put(counter, read(counter).map(v -> {
                try {
                    return (Object) Long.parseLong(v);
                } catch (NumberFormatException e) {
                    return v;
                }
            }).orElse(null));
        }
        return status;
    }
}
