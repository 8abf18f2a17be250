package io.structops.handler.qdisc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.handler.HandlerException;
import io.structops.handler.StructOps;
import io.structops.handler.qdisc.internal.QdiscOpsHandlerTest.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Placing a qdisc and giving the device its qdisc back, with this machine's kernel and a veth pair the test makes,
 * checked with {@code tc} (the peer). This kernel has no bpf qdiscs (CONFIG_NET_SCH_BPF), so the handler places a
 * built-in kind here, through the same rtnetlink requests it makes for a bpf qdisc's id; the VM tests place real bpf
 * qdiscs. The kind is {@code pfifo_head_drop}, which nothing else on a machine uses: detaching takes a kind off every
 * device, as it must for a bpf qdisc's own id.
 */
@Tag("kernel")
class QdiscPlacementOnKernelTest {
    static final String DEVICE = "so-qd0";
    static final String KIND = "pfifo_head_drop";
    static final Set<String> COMPLETE = QdiscOpsHandlerTest.COMPLETE;

    @BeforeEach
    void makeDevices() throws Exception {
        run("ip", "link", "add", DEVICE, "type", "veth", "peer", "name", "so-qd1");
        // No IPv6 on them, so that nothing sends while the counters are compared.
        run("sysctl", "-q", "-w", "net.ipv6.conf." + DEVICE + ".disable_ipv6=1");
        run("sysctl", "-q", "-w", "net.ipv6.conf.so-qd1.disable_ipv6=1");
        run("ip", "link", "set", DEVICE, "up");
        run("ip", "link", "set", "so-qd1", "up");
    }

    @AfterEach
    void removeDevices() throws Exception {
        run("ip", "link", "del", DEVICE);
    }

    /** The device's root qdisc as tc shows it: kind and handle, and its options as tc prints them. */
    private static String root() throws Exception {
        String json = run("tc", "-j", "qdisc", "show", "dev", DEVICE, "root");
        return json.replaceAll(
                        ".*\"kind\":\"([^\"]*)\",\"handle\":\"([^\"]*)\".*?\"options\":(\\{[^}]*\\}).*", "$1 $2 $3")
                .strip();
    }

    private static StructOps qdisc(String kind, Map<String, String> options) {
        return new Value(kind, COMPLETE, Map.of(), options);
    }

    @Test
    void putOnTheDeviceAndTheKernelsDefaultGivenBack() throws Exception {
        QdiscOpsHandler h = new QdiscOpsHandler();
        assertEquals("noqueue 0: {}", root());
        StructOps ops = qdisc(KIND, Map.of("qdisc.devices", DEVICE, "qdisc.handle", "1:"));
        h.afterAttach(ops);
        assertEquals(KIND + " 1: {\"limit\":1000}", root());

        // The status reads the counters tc reads.
        Map<String, Object> status = h.status(ops);
        @SuppressWarnings("unchecked")
        Map<String, Object> device = ((List<Map<String, Object>>) status.get("devices")).get(0);
        String stats = run("tc", "-s", "-j", "qdisc", "show", "dev", DEVICE, "root");
        assertEquals(DEVICE, device.get("device"));
        assertEquals("1:", device.get("handle"));
        assertTrue(
                stats.contains("\"bytes\":" + device.get("bytes") + ",\"packets\":" + device.get("packets")
                        + ",\"drops\":" + device.get("drops") + ",\"overlimits\":" + device.get("overlimits")
                        + ",\"requeues\":" + device.get("requeues") + ",\"backlog\":" + device.get("backlog")
                        + ",\"qlen\":" + device.get("qlen")),
                stats + " against " + device);

        h.beforeDetach(ops);
        assertEquals("noqueue 0: {}", root());
    }

    @Test
    void aConfiguredQdiscIsGivenBackWithItsParameters() throws Exception {
        run(
                "tc", "qdisc", "replace", "dev", DEVICE, "root", "handle", "5:", "tbf", "rate", "1mbit", "burst",
                "32kbit", "latency", "400ms");
        String before = root();
        assertTrue(before.startsWith("tbf 5: {\"rate\":125000,"), before);
        QdiscOpsHandler h = new QdiscOpsHandler();
        StructOps ops = qdisc(KIND, Map.of("qdisc.devices", "[" + DEVICE + "]"));
        h.afterAttach(ops);
        assertTrue(root().startsWith(KIND + " "), root());
        h.beforeDetach(ops);
        assertEquals(before, root());
    }

    /** The leaves under an htb class, as tc shows them: kind, handle and parent, one per line. */
    private static String leaves() throws Exception {
        return run("tc", "qdisc", "show", "dev", DEVICE)
                .lines()
                .filter(l -> l.contains(" parent 2:1"))
                .map(l -> l.replaceAll("^qdisc (\\S+) (\\S+) parent (\\S+).*", "$1 $2 $3"))
                .reduce("", (a, b) -> a + b + "\n");
    }

    /** Under a class (htb's 2:1): placed there, listed there, and the class gets back what it had. */
    @Test
    void underAClassTheClassGetsItsQdiscBack() throws Exception {
        run("tc", "qdisc", "replace", "dev", DEVICE, "root", "handle", "2:", "htb", "default", "1");
        run("tc", "class", "add", "dev", DEVICE, "parent", "2:", "classid", "2:1", "htb", "rate", "10mbit");
        QdiscOpsHandler h = new QdiscOpsHandler();
        StructOps ops = qdisc(KIND, Map.of("qdisc.devices", DEVICE, "qdisc.parent", "2:1", "qdisc.handle", "20:"));

        // Where the class had the kernel's default leaf (tc does not show it), the default comes back.
        assertEquals("", leaves());
        h.afterAttach(ops);
        assertEquals(KIND + " 20: 2:1\n", leaves());
        @SuppressWarnings("unchecked")
        Map<String, Object> device = ((List<Map<String, Object>>) h.status(ops).get("devices")).get(0);
        assertEquals("2:1", device.get("parent"));
        assertEquals("20:", device.get("handle"));
        h.beforeDetach(ops);
        assertEquals("", leaves());
        assertTrue(root().startsWith("htb 2: "), root());

        // Where the class had a configured leaf, that leaf comes back with its parameters.
        run("tc", "qdisc", "replace", "dev", DEVICE, "parent", "2:1", "handle", "21:", "pfifo", "limit", "77");
        String before = run("tc", "-j", "qdisc", "show", "dev", DEVICE, "parent", "2:1");
        h.afterAttach(ops);
        assertEquals(KIND + " 20: 2:1\n", leaves());
        h.beforeDetach(ops);
        assertEquals("pfifo 21: 2:1\n", leaves());
        assertEquals(before, run("tc", "-j", "qdisc", "show", "dev", DEVICE, "parent", "2:1"));
        assertTrue(before.contains("\"limit\":77"), before);
    }

    /** Where something else put the kind (tc, or a runtime before a restart), detaching takes it off too. */
    @Test
    void theKindIsTakenOffDevicesTheHandlerDidNotPutItOn() throws Exception {
        run("tc", "qdisc", "replace", "dev", DEVICE, "root", "handle", "3:", KIND);
        assertTrue(root().startsWith(KIND + " 3: "), root());
        // A handler that did not place it (as after a restart that adopted the map) still lists where it is.
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> devices = (List<Map<String, Object>>)
                new QdiscOpsHandler().status(qdisc(KIND, Map.of())).get("devices");
        assertEquals(1, devices.size(), devices.toString());
        assertEquals(DEVICE, devices.get(0).get("device"));
        assertEquals("3:", devices.get(0).get("handle"));
        new QdiscOpsHandler().beforeDetach(qdisc(KIND, Map.of()));
        assertEquals("noqueue 0: {}", root());
    }

    @Test
    void aRefusalIsTheKernelsOwnWordsAndUndoesTheDevicesDone() throws Exception {
        QdiscOpsHandler h = new QdiscOpsHandler();
        HandlerException unknown = assertThrows(
                HandlerException.class, () -> h.afterAttach(qdisc("so_nosuch", Map.of("qdisc.devices", DEVICE))));
        assertEquals(
                "qdisc so_nosuch: RTM_NEWQDISC so_nosuch on so-qd0: ENOENT (no such file or directory):"
                        + " Specified qdisc kind is unknown",
                unknown.getMessage());
        assertEquals("noqueue 0: {}", root());

        // A handle in use by a qdisc of another kind: the kernel's words, and the device keeps what it had.
        run("tc", "qdisc", "replace", "dev", DEVICE, "root", "handle", "1:", KIND);
        String before = root();
        HandlerException inUse = assertThrows(
                HandlerException.class,
                () -> h.afterAttach(qdisc("bfifo", Map.of("qdisc.devices", DEVICE, "qdisc.handle", "1:"))));
        assertEquals(
                "qdisc bfifo: RTM_NEWQDISC bfifo on so-qd0: EINVAL (invalid argument): Invalid qdisc name: must"
                        + " match existing qdisc",
                inUse.getMessage());
        assertEquals(before, root());
        run("tc", "qdisc", "del", "dev", DEVICE, "root");

        // The first device takes it, the second is gone by then: the first is given its qdisc back.
        HandlerException gone = assertThrows(
                HandlerException.class, () -> h.afterAttach(qdisc(KIND, Map.of("qdisc.devices", DEVICE + ",so-gone"))));
        assertEquals(
                "qdisc " + KIND + ": qdisc.devices: there is no network device so-gone; the devices it was put on"
                        + " have their qdisc back",
                gone.getMessage());
        assertEquals("noqueue 0: {}", root());
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + ": " + out);
        }
        return out;
    }
}
