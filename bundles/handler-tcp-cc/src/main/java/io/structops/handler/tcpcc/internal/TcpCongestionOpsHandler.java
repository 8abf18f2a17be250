package io.structops.handler.tcpcc.internal;

import io.structops.handler.HandlerException;
import io.structops.handler.StructOps;
import io.structops.handler.StructOpsHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TCP congestion control: the checks the kernel makes when it registers an algorithm
 * ({@code tcp_validate_congestion_control}, {@code tcp_register_congestion_control}), made before anything is loaded
 * so that the user reads which rule the object breaks instead of an EINVAL or EEXIST; and the algorithm's standing in
 * the network stack as status.
 */
@Component(property = StructOpsHandler.STRUCT + "=tcp_congestion_ops")
public class TcpCongestionOpsHandler implements StructOpsHandler {
    private static final Logger LOG = LoggerFactory.getLogger(TcpCongestionOpsHandler.class);
    /** TCP_CA_NAME_MAX, the size of {@code name} with its terminating NUL. */
    static final int NAME_MAX = 16;

    static final Path DEFAULT_SYSCTL = Path.of("/proc/sys/net/ipv4");

    private final Path sysctl;

    @Activate
    public TcpCongestionOpsHandler() {
        this(DEFAULT_SYSCTL);
    }

    /** With another directory holding {@code tcp_available_congestion_control} (tests). */
    TcpCongestionOpsHandler(Path sysctl) {
        this.sysctl = sysctl;
    }

    /** The algorithms the network stack offers now. */
    List<String> available() throws IOException {
        String text = Files.readString(sysctl.resolve("tcp_available_congestion_control"))
                .strip();
        return text.isEmpty() ? List.of() : List.of(text.split("\\s+"));
    }

    Optional<String> defaultAlgorithm() {
        try {
            return Optional.of(
                    Files.readString(sysctl.resolve("tcp_congestion_control")).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The algorithm's name, checked the way the kernel and {@code sysctl} need it. */
    static String algorithm(StructOps ops) throws HandlerException {
        String name = ops.string("name")
                .orElseThrow(() -> new HandlerException("the kernel's tcp_congestion_ops has no char[] name member"));
        if (name.isEmpty()) {
            throw new HandlerException(
                    "name is empty; set .name to the algorithm's name (at most " + (NAME_MAX - 1) + " characters)");
        }
        if (name.length() > NAME_MAX - 1) {
            throw new HandlerException("name '" + name + "' does not fit: at most " + (NAME_MAX - 1) + " characters");
        }
        for (char c : name.toCharArray()) {
            // The name is how users pick the algorithm (sysctl, setsockopt TCP_CONGESTION) and /proc lists names
            // separated by spaces: anything but visible ASCII would make it unselectable or ambiguous.
            if (c <= ' ' || c > '~') {
                throw new HandlerException("name '" + name + "' has a character (code " + (int) c
                        + ") that is not visible ASCII; /proc and sysctl could not name it");
            }
        }
        return name;
    }

    @Override
    public void validate(StructOps ops) throws HandlerException {
        String name = algorithm(ops);
        Set<String> members = ops.programMembers();
        StringBuilder missing = new StringBuilder();
        for (String required : List.of("ssthresh", "undo_cwnd")) {
            if (!members.contains(required)) {
                missing.append(missing.isEmpty() ? "" : ", ").append(required);
            }
        }
        if (!members.contains("cong_avoid") && !members.contains("cong_control")) {
            missing.append(missing.isEmpty() ? "" : ", ").append("cong_avoid or cong_control");
        }
        if (!missing.isEmpty()) {
            throw new HandlerException("algorithm " + name + " lacks " + missing + "; the kernel requires ssthresh,"
                    + " undo_cwnd and one of cong_avoid or cong_control");
        }
        Optional<String> replaced = ops.replacing().flatMap(r -> r.string("name"));
        if (replaced.isPresent() && replaced.get().equals(name)) {
            return;
        }
        List<String> available;
        try {
            available = available();
        } catch (IOException e) {
            LOG.debug("cannot read the available congestion controls: {}", e.toString());
            return;
        }
        if (available.contains(name)) {
            throw new HandlerException("a congestion control named " + name + " is already registered ("
                    + sysctl.resolve("tcp_available_congestion_control") + ": " + String.join(" ", available)
                    + ")"
                    + (replaced.isPresent()
                            ? "; a swap may keep the name " + replaced.get() + " or take a free" + " one"
                            : "; unload it or give this one another name"));
        }
    }

    @Override
    public void afterAttach(StructOps ops) throws HandlerException {
        String name = algorithm(ops);
        try {
            if (!available().contains(name)) {
                throw new HandlerException("algorithm " + name + " is attached but the network stack does not list"
                        + " it in tcp_available_congestion_control");
            }
        } catch (IOException e) {
            LOG.debug("cannot read the available congestion controls: {}", e.toString());
        }
        LOG.info(
                "congestion control {} is available (map {}); select it with sysctl net.ipv4.tcp_congestion_control"
                        + " or setsockopt(TCP_CONGESTION)",
                name,
                ops.mapName());
    }

    @Override
    public void afterDetach(StructOps ops) {
        ops.string("name").ifPresent(name -> {
            if (defaultAlgorithm().filter(name::equals).isPresent()) {
                LOG.warn("congestion control {} was the system default and is gone", name);
            }
        });
    }

    @Override
    public Map<String, Object> status(StructOps ops) {
        Map<String, Object> status = new LinkedHashMap<>();
        String name = ops.string("name").orElse("");
        status.put("algorithm", name);
        try {
            status.put("available", available().contains(name));
        } catch (IOException e) {
            status.put("available", null);
        }
        status.put("default", defaultAlgorithm().filter(name::equals).isPresent());
        // The algorithm's own counters (its integer globals), as the sched_ext handler reports a scheduler's.
        Map<String, Long> counters = ops.counters();
        if (!counters.isEmpty()) {
            status.put("counters", counters);
        }
        return status;
    }

    /** The algorithms on offer and the default, loaded by anyone. */
    @Override
    public Map<String, Object> kernelState() {
        Map<String, Object> state = new LinkedHashMap<>();
        try {
            state.put("available", available());
        } catch (IOException e) {
            return Map.of();
        }
        defaultAlgorithm().ifPresent(d -> state.put("default", d));
        return state;
    }
}
