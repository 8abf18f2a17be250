package io.structops.handler.qdisc.internal;

import io.structops.handler.HandlerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where a bpf qdisc goes once attached, from the load's {@code qdisc.*} options ({@code load --option} or a deploy
 * {@code .cfg}): {@code qdisc.devices} (names, comma-separated, or a list {@code [lo,veth0]}), {@code qdisc.parent}
 * ({@code root}, the default, or a class handle such as {@code 1:2}) and {@code qdisc.handle} (such as {@code 1:};
 * by default the kernel picks one). No devices: the qdisc kind is registered and left for {@code tc} to use.
 */
record Placement(List<String> devices, int parent, int handle) {
    static final String PREFIX = "qdisc.";
    static final Set<String> KEYS = Set.of("qdisc.devices", "qdisc.parent", "qdisc.handle");

    /** A network device's name as the kernel allows it (IFNAMSIZ with its NUL; no '/', no space, not . or ..). */
    private static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9_.:@+-]{1,15}");

    static final Path SYS_CLASS_NET = Path.of("/sys/class/net");

    /** The options of this handler's prefix, checked; any other {@code qdisc.} key is refused by name. */
    static Placement of(Map<String, String> options) throws HandlerException {
        for (String key : options.keySet()) {
            if (key.startsWith(PREFIX) && !KEYS.contains(key)) {
                throw new HandlerException("option " + key + " is not one the qdisc handler knows ("
                        + String.join(", ", KEYS.stream().sorted().toList())
                        + ")");
            }
        }
        List<String> devices = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String name : list(options.getOrDefault("qdisc.devices", ""))) {
            if (!DEVICE.matcher(name).matches() || name.equals(".") || name.equals("..")) {
                throw new HandlerException("qdisc.devices: '" + name + "' is not a network device name");
            }
            if (!seen.add(name)) {
                throw new HandlerException("qdisc.devices: " + name + " is named twice");
            }
            devices.add(name);
        }
        try {
            int parent = Qdisc.parseHandle(options.getOrDefault("qdisc.parent", "root"));
            String h = options.getOrDefault("qdisc.handle", "").strip();
            int handle = h.isEmpty() ? 0 : Qdisc.parseHandle(h);
            if (handle == Qdisc.ROOT || (handle & 0xffff) != 0) {
                throw new HandlerException("qdisc.handle: a qdisc's handle is MAJOR: (its minor is 0), not " + h);
            }
            return new Placement(List.copyOf(devices), parent, handle);
        } catch (IllegalArgumentException e) {
            throw new HandlerException("qdisc option: " + e.getMessage());
        }
    }

    /** {@code a, b} or {@code [a,b]}: the names, stripped, without empty ones. */
    private static List<String> list(String text) {
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        List<String> names = new ArrayList<>();
        for (String n : t.split(",")) {
            if (!n.isBlank()) {
                names.add(n.strip());
            }
        }
        return names;
    }

    /** The device's index, from sysfs; a device that does not exist is refused by name. */
    static int ifindex(Path sysClassNet, String device) throws HandlerException {
        try {
            return Integer.parseInt(Files.readString(sysClassNet.resolve(device).resolve("ifindex"))
                    .strip());
        } catch (IOException | NumberFormatException e) {
            throw new HandlerException("qdisc.devices: there is no network device " + device
                    + (Files.isDirectory(sysClassNet) ? "" : " (" + sysClassNet + " is not readable here)"));
        }
    }

    /** The name of the device with this index, from sysfs; {@code ifindex N} where none has it (any more). */
    static String deviceName(Path sysClassNet, int ifindex) {
        try (Stream<Path> devices = Files.list(sysClassNet)) {
            return devices.filter(d -> hasIndex(d, ifindex))
                    .map(d -> d.getFileName().toString())
                    .findFirst()
                    .orElse("ifindex " + ifindex);
        } catch (IOException e) {
            return "ifindex " + ifindex;
        }
    }

    private static boolean hasIndex(Path device, int ifindex) {
        try {
            return Integer.parseInt(Files.readString(device.resolve("ifindex")).strip()) == ifindex;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }
}
