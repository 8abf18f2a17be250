package io.structops.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A struct_ops type that a module offers, not vmlinux: the map is created against the module's BTF object
 * ({@code BPF_F_VTYPE_BTF_OBJ_FD}, {@code value_type_btf_obj_fd}) and its programs loaded with
 * {@code attach_btf_obj_fd}. The module is the project's own test module (integration-tests/vm/module, built for the
 * VM's kernel by integration-tests/vm/build-module); integration-tests/vm/guest/module-ops.sh (a scenario of the VM suite)
 * drives it with integration-tests/bpf/module_ops.bpf.c and module_ops_legacy.bpf.c.
 */
@Tag("vm")
class ModuleStructOpsInVmTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aModulesStructOpsTypeIsLoadedSwappedAndUnloadedAgainstTheModulesBtf() throws Exception {
        Map<String, String> v = VmSuite.scenario("module-ops");
        String all = VmSuite.report();
        VmSuite.assertOnlyExpectedErrors(v, Set.of("load_before_insmod_error", "busy_error"));

        // Before the module is loaded its type is nowhere, and load says so.
        assertTrue(
                v.get("load_before_insmod_error").contains("the kernel has no struct_ops type 'structops_demo_ops'"),
                all);
        assertEquals("0", v.get("insmod"), all);
        assertEquals("1", v.get("btf_module"), all);
        boolean offered = false;
        for (JsonNode t : JSON.readTree(v.get("status")).get("structOpsTypes")) {
            offered |= t.get("name").asText().equals("structops_demo_ops")
                    && t.get("module").asText().equals("structops_demo");
        }
        assertTrue(offered, "status lists the module's type: " + v.get("status"));

        // The module calls what was attached, with the data the object set (copied into the module's layout).
        assertEquals("name=structops_demo bias=42 transform(7)=42 registrations=1", v.get("proc_link"), all);
        JsonNode list = JSON.readTree(v.get("list"));
        assertEquals(1, list.size(), all);
        assertEquals("structops_demo_ops", list.get(0).get("type").asText(), all);
        assertTrue(
                list.get(0).get("owned").asBoolean()
                        && list.get(0).get("linkId").asInt() > 0,
                all);
        JsonNode members = JSON.readTree(v.get("dump")).get("members");
        assertTrue(members.get("transform").asText().startsWith("times_six (prog id "), all);
        assertTrue(members.get("registered").asText().startsWith("remember_registration (prog id "), all);
        assertEquals("42", members.get("bias").asText(), all);
        assertEquals("\"structops_demo\"", members.get("name").asText(), all);
        JsonNode vars = JSON.readTree(v.get("vars")).elements().next();
        assertEquals(1, vars.get("transform_calls").asInt(), all);
        assertEquals(1, vars.get("last_registration").asInt(), "the module called the registered program: " + all);

        // A typed ksym in the module's BTF: the program read the module's per-CPU count of /proc reads (one), and
        // the VAR's id is the one libbpf puts in its ld_imm64 (BPF_PSEUDO_BTF_ID) for the same object.
        assertEquals(1, vars.get("reads_seen").asInt(), all);
        JsonNode ksym = JSON.readTree(v.get("inspect")).get("externs").get(0);
        Matcher var = Pattern.compile("VAR \\[(\\d+)\\] in module structops_demo's BTF")
                .matcher(ksym.get("resolution").asText());
        assertTrue(var.matches(), ksym.toString());
        String[] peerKsym = v.get("peer_ksym").split(" ");
        assertEquals(var.group(1), peerKsym[6], all);

        // The peer creates the same map: same flags (BPF_F_LINK | BPF_F_VTYPE_BTF_OBJ_FD), sizes and entries.
        JsonNode ours = JSON.readTree(v.get("map_ours"));
        String[] libbpf = v.get("peer_map").split(" ");
        assertEquals(
                String.join(" ", libbpf[3], libbpf[4], libbpf[5], libbpf[6]),
                ours.get("bytes_key").asText() + " " + ours.get("bytes_value").asText() + " "
                        + ours.get("max_entries").asText() + " "
                        + ours.get("flags").asText(),
                all);
        assertEquals((1 << 13) | (1 << 15), ours.get("flags").asInt(), all);

        // The module takes one map at a time: a second is refused, named, and the first stays.
        assertTrue(
                v.get("busy_error").contains("map structops_demo_legacy: register: BPF_MAP_UPDATE_ELEM")
                        && v.get("busy_error").contains("EBUSY"),
                all);
        assertEquals(v.get("proc_link"), v.get("proc_after_busy"), all);
        // While a map of its type exists, the module cannot go.
        assertTrue(
                !v.get("rmmod_attached_status").equals("0")
                        && v.get("rmmod_attached_error").contains("in use"),
                all);

        // A swap moves the link to a new map: the module's update callback ran, with no gap.
        JsonNode swap = JSON.readTree(v.get("swap"));
        assertEquals(0, swap.get("gapMicros").asLong(), all);
        assertEquals(list.get(0).get("linkId").asInt(), swap.get("linkId").asInt(), all);
        assertEquals("name=structops_demo bias=42 transform(7)=42 registrations=2", v.get("proc_swapped"), all);
        assertEquals("none", v.get("proc_unloaded"), all);

        // The legacy map, registered by libbpf in another process, stays registered; the runtime lists, dumps and
        // unloads it without owning it. Its struct declares the members in another order and leaves one out; the
        // module sees them by name.
        assertEquals("0", v.get("registered_by_libbpf"), all);
        JsonNode foreign = JSON.readTree(v.get("foreign"));
        assertEquals(1, foreign.size(), all);
        assertEquals("structops_demo_ops", foreign.get(0).get("type").asText(), all);
        assertTrue(
                !foreign.get(0).get("owned").asBoolean()
                        && foreign.get(0).get("linkId").isNull(),
                all);
        assertEquals("name=demo_legacy bias=-5 transform(7)=107 registrations=3", v.get("proc_legacy"), all);
        JsonNode legacy = JSON.readTree(v.get("legacy")).get("members");
        assertEquals("-5", legacy.get("bias").asText(), all);
        assertTrue(legacy.get("transform").asText().startsWith("plus_hundred (prog id "), all);

        // Nothing is left: no map, no program, no BTF descriptor in the runtime (while attached it held two: the
        // object's BTF and the module's), and the module can be removed.
        assertEquals("0", v.get("btf_fds_before"), all);
        assertEquals("2", v.get("btf_fds_attached"), all);
        assertEquals("0", v.get("btf_fds_after"), all);
        assertEquals(0, JSON.readTree(v.get("list_after")).size(), all);
        assertEquals("none", v.get("proc_after"), all);
        assertEquals("0", v.get("programs_left"), all);
        assertEquals("0", v.get("maps_left"), all);
        assertEquals("0", v.get("rmmod_after"), all);
        System.out.println("module struct_ops in the VM: structops_demo_ops from module structops_demo attached"
                + " (flags " + ours.get("flags").asText() + ", as libbpf's), its program reading the module's per-CPU"
                + " variable (VAR [" + var.group(1) + "], as libbpf's), called by the module ("
                + v.get("proc_link") + "), refused a second map, swapped on link "
                + swap.get("linkId").asText()
                + " with no gap, legacy map by member name (" + v.get("proc_legacy")
                + "); nothing left, module removed");
    }
}
