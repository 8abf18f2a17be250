package io.structops.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Kernel functions of modules, called through fd_array: the VM's kernel has tcp_bbr and tcp_dctcp as modules (this
 * machine's has no modules at all). integration-tests/vm/guest/tcp-modules.sh (a scenario of the VM suite) loads them into
 * the guest and drives integration-tests/bpf/tcp_cc_module.bpf.c, which calls both, through the suite's runtime.
 */
@Tag("vm")
class TcpModulesInVmTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MODULE_FUNC =
            Pattern.compile("FUNC \\[(\\d+)\\] in module (\\w+)'s BTF, fd_array\\[(\\d+)\\]");

    private static Map<String, JsonNode> externs(String inspectJson) throws Exception {
        Map<String, JsonNode> byName = new HashMap<>();
        for (JsonNode e : JSON.readTree(inspectJson).get("externs")) {
            byName.put(e.get("name").asText(), e);
        }
        return byName;
    }

    @Test
    void moduleFunctionsAreCalledThroughFdArrayAndHoldTheirModules() throws Exception {
        Map<String, String> v = VmSuite.scenario("tcp-modules");
        String out = VmSuite.report();
        VmSuite.assertOnlyExpectedErrors(v, Set.of());
        assertEquals("0", v.get("insmod_bbr"), out);
        assertEquals("0", v.get("insmod_dctcp"), out);

        // Before insmod the session finds none of the modules' functions; after, the same session finds them all,
        // each module with its own slot, numbered in the order of the functions' names (bbr_* before dctcp_*).
        Map<String, JsonNode> before = externs(v.get("inspect_before"));
        assertFalse(before.get("bbr_main").get("resolved").asBoolean(), before.toString());
        assertFalse(before.get("dctcp_ssthresh").get("resolved").asBoolean(), before.toString());
        Map<String, JsonNode> after = externs(v.get("inspect_after"));
        Set<String> ours = new TreeSet<>();
        for (JsonNode e : after.values()) {
            String resolution = e.get("resolution").asText();
            assertTrue(e.get("resolved").asBoolean(), e.toString());
            Matcher m = MODULE_FUNC.matcher(resolution);
            if (e.get("name").asText().startsWith("bbr_")) {
                assertTrue(
                        m.matches()
                                && m.group(2).equals("tcp_bbr")
                                && m.group(3).equals("1"),
                        resolution);
            } else if (e.get("name").asText().startsWith("dctcp_")) {
                assertTrue(
                        m.matches()
                                && m.group(2).equals("tcp_dctcp")
                                && m.group(3).equals("2"),
                        resolution);
            } else {
                assertTrue(resolution.matches("FUNC \\[\\d+\\] in vmlinux BTF"), resolution);
            }
            // As a call carries it: offset (the slot) and immediate (the BTF id).
            Matcher id = Pattern.compile("FUNC \\[(\\d+)\\]").matcher(resolution);
            assertTrue(id.find());
            ours.add((m.matches() ? m.group(3) : "0") + " " + id.group(1));
        }
        // The peer: every kfunc call libbpf 1.5 emits for the same object in the same guest ("<prog> <index> 133 0 2
        // <off> <imm>") names one of these (slot, id) pairs, and together they name all of them.
        Set<String> libbpf = new TreeSet<>();
        for (String line : v.get("peer").split(";")) {
            if (!line.isBlank()) {
                String[] f = line.trim().split(" ");
                libbpf.add(f[5] + " " + f[6]);
            }
        }
        assertEquals(libbpf, ours, out);
        // CO-RE against the module's BTF: struct bbr is tcp_bbr's own type, and rtt_cnt (declared at offset 0 in the
        // object) is at the kernel's offset in the relocated load, in ours as in libbpf's.
        JsonNode rttCnt = null;
        for (JsonNode r : JSON.readTree(v.get("inspect_after")).get("coreRelocations")) {
            if (r.get("type").asText().equals("bbr")) {
                rttCnt = r;
            }
        }
        assertTrue(
                rttCnt != null
                        && rttCnt.get("object").asLong() == 0
                        && rttCnt.get("kernel").asLong() > 0,
                String.valueOf(rttCnt));
        String relocated = "mbbr_main " + rttCnt.get("instruction").asInt() + " ";
        String peerLine = Arrays.stream(v.get("peer_main").split(";"))
                .filter(l -> l.startsWith(relocated))
                .findFirst()
                .orElseThrow();
        assertEquals(rttCnt.get("kernel").asText(), peerLine.split(" ")[5], peerLine);
        JsonNode before0 = null;
        for (JsonNode r : JSON.readTree(v.get("inspect_before")).get("coreRelocations")) {
            if (r.get("type").asText().equals("bbr")) {
                before0 = r;
            }
        }
        assertTrue(before0 != null && before0.path("kernel").isNull(), "no struct bbr before insmod: " + before0);

        assertTrue(
                v.get("available_loaded").contains("structops_bbr")
                        && v.get("available_loaded").contains("structops_dctcp"),
                out);
        assertEquals("structops_bbr 8388608", v.get("traffic_bbr"), out);
        assertEquals("structops_dctcp 8388608", v.get("traffic_dctcp"), out);
        long bbrCalls = 0;
        long renoCalls = 0;
        long rounds = 0;
        for (JsonNode section : JSON.readTree(v.get("vars"))) {
            bbrCalls += section.path("bbr_main_calls").asLong();
            renoCalls += section.path("reno_calls").asLong();
            rounds += section.path("bbr_rtt_cnt").asLong();
        }
        assertTrue(bbrCalls > 0 && renoCalls == 0, "the module's bbr_main ran, not the fallback: " + v.get("vars"));
        assertTrue(rounds > 0, "BBR's round count, read through CO-RE: " + v.get("vars"));
        // While the programs that call it are loaded, the module cannot go; once they are unloaded, it can.
        assertTrue(
                !v.get("rmmod_attached_status").equals("0")
                        && v.get("rmmod_attached_error").contains("in use"),
                out);
        assertFalse(v.get("available_unloaded").contains("structops_"), out);
        assertEquals("0", v.get("rmmod_after"), out);
        System.out.println("modules in the VM: tcp_bbr at fd_array[1], tcp_dctcp at fd_array[2], as libbpf numbers"
                + " them (" + ours.size() + " functions); 8 MiB through each algorithm, bbr_main ran " + bbrCalls
                + " times, BBR counted " + rounds + " rounds (read at offset "
                + rttCnt.get("kernel").asText()
                + " of the module's struct bbr); tcp_bbr refused removal while attached, removed after unload");
    }
}
