package io.structops.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Qdisc_ops handler with a real bpf qdisc, the kernel's own selftest bpf_qdisc_fifo (built by the corpus), in
 * the VM whose kernel has bpf qdiscs (integration-tests/vm/guest/qdisc.sh): put on lo by the load's options, carrying
 * TCP, counted as tc counts it, registered once, and taken off on unload with lo's default back; and the project's
 * own link-based qdisc_bytes (integration-tests/bpf/vm), its byte limit set, on a veth pair to a namespace of the
 * test's, swapped while TCP runs both ways across it, to a fresh copy (a gap) and to a new id (none); the project's
 * two-band qdisc_prio; the kernel's bpf_qdisc_fq (a legacy map), placed and swapped under traffic; and libbpf (the peer)
 * attaching each of the project's own qdiscs.
 */
@Tag("vm")
class QdiscInVmTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The peer, libbpf 1.5, attaches the project's own qdiscs as structops does (loaded in the tests below). */
    @Test
    void libbpfAttachesTheProjectsOwnQdiscsToo() throws Exception {
        Map<String, String> v = VmSuite.scenario("qdisc");
        String all = VmSuite.report();
        assertEquals("attached bytes", v.get("peer_qdisc_bytes").strip(), all);
        assertEquals("attached bytes", v.get("peer_qdisc_bytes_next").strip(), all);
        assertEquals("attached prio", v.get("peer_qdisc_prio").strip(), all);
    }

    @Test
    void aBpfQdiscIsPutOnTheDeviceCountedAndTakenOff() throws Exception {
        Map<String, String> v = VmSuite.scenario("qdisc");
        String all = VmSuite.report();
        VmSuite.assertOnlyExpectedErrors(v, Set.of("missing_error", "taken_error"));

        // A device that does not exist: refused before anything was loaded.
        assertTrue(
                v.get("missing_error").contains("validate: qdisc.devices: there is no network device so-missing"), all);
        assertEquals(v.get("maps_before"), v.get("maps_after_missing"), all);

        assertTrue(v.get("before").startsWith("qdisc noqueue 0: root"), all);
        assertTrue(v.get("placed").startsWith("qdisc bpf_fifo 8001: root"), all);
        assertEquals("cubic 1048576", v.get("traffic").strip(), all);

        // list reports the counters tc reports: between tc's reads just before and just after.
        assertCountedAsTcCounts(v, "list", "tc_before", "tc_stats", "lo");
        assertTrue(JSON.readTree(v.get("tc_stats")).get(0).get("packets").asLong() > 0, all);

        // The kind is taken while the first copy is registered.
        assertTrue(v.get("taken_error").contains("the qdisc kind bpf_fifo is already registered, by map fifo"), all);

        assertTrue(v.get("unload").startsWith("unloaded "), all);
        assertTrue(v.get("after").startsWith("qdisc noqueue 0: root"), all);
        assertEquals(v.get("maps_before"), v.get("maps_after"), all);
    }

    @Test
    void theProjectsOwnQdiscIsSwappedWhileTrafficRuns() throws Exception {
        Map<String, String> v = VmSuite.scenario("qdisc");
        String all = VmSuite.report();
        assertTrue(
                JSON.readTree(v.get("own_load"))
                                .get("maps")
                                .get(0)
                                .get("linkId")
                                .asInt()
                        > 0,
                all);
        assertTrue(v.get("veth_before").startsWith("qdisc noqueue 0: root"), all);
        assertTrue(v.get("own_placed").startsWith("qdisc so_bytes "), all);
        JsonNode limit = JSON.readTree(v.get("own_limit")).get(".rodata (qdisc_by.rodata)");
        assertEquals(262144, limit.get("byte_limit").asInt(), all);

        // The kernel cannot update a qdisc kind in place: lo was given its default, the new copy registered and put
        // on lo, with a gap the swap reports; the connection running through it completed.
        JsonNode swap = JSON.readTree(v.get("own_swap"));
        assertTrue(swap.get("gapMicros").asLong() > 0, all);
        assertEquals("0 0 cubic 2097152 cubic 2097152", v.get("own_traffic").strip(), all);
        assertTrue(v.get("own_swapped").startsWith("qdisc so_bytes "), all);
        assertCountedAsTcCounts(v, "own_list", "own_tc_before", "own_tc", "so-v0");
        JsonNode counters = JSON.readTree(v.get("own_vars")).get(".bss (qdisc_by.bss)");
        assertTrue(counters.get("enqueued").asLong() >= counters.get("dequeued").asLong(), all);
        assertEquals(0, counters.get("dropped").asLong(), all);

        assertTrue(v.get("own_unload").startsWith("unloaded "), all);
        assertEquals(v.get("veth_before"), v.get("own_after"), all);
        assertEquals(v.get("maps_before"), v.get("own_maps_after"), all);
    }

    /** A new version under a new id is attached beside the old one and lo moved over in one replace: no gap. */
    @Test
    void aNewKindIsSwappedInWithoutAGap() throws Exception {
        Map<String, String> v = VmSuite.scenario("qdisc");
        String all = VmSuite.report();
        JsonNode swap = JSON.readTree(v.get("next_swap"));
        assertEquals(0, swap.get("gapMicros").asLong(), all);
        assertTrue(swap.get("current").get("object").asText().endsWith("qdisc_bytes_next.bpf.o"), all);
        assertEquals("0 0 cubic 2097152 cubic 2097152", v.get("next_traffic").strip(), all);
        assertTrue(v.get("next_swapped").startsWith("qdisc so_bytes2 "), all);
        // so-v0 was sampled throughout: always one of the two kinds, never without a qdisc of ours.
        String kinds = v.get("next_kinds");
        assertTrue(
                kinds.contains("so_bytes=") && kinds.contains("so_bytes2=") && !kinds.contains("noqueue"),
                kinds + ": " + all);
        assertCountedAsTcCounts(v, "next_list", "next_tc_before", "next_tc", "so-v0");
        // How long so-v0's one replace took, as the swap reported it.
        JsonNode moved = JSON.readTree(v.get("next_list")).get(0).get("status").get("movedMicros");
        assertTrue(moved.get("so-v0").asLong() > 0, all);
        assertTrue(v.get("next_unload").startsWith("unloaded "), all);
        assertEquals(v.get("veth_before"), v.get("next_after"), all);
        assertEquals(v.get("maps_before"), v.get("next_maps_after"), all);
    }

    /** The two-band priority qdisc: the inbound transfer's ACKs in the urgent band, the outbound data in the bulk. */
    @Test
    void theProjectsPriorityQdiscSortsPacketsIntoItsBands() throws Exception {
        Map<String, String> v = VmSuite.scenario("qdisc");
        String all = VmSuite.report();
        assertEquals("0 0 cubic 2097152 cubic 2097152", v.get("prio_traffic").strip(), all);
        JsonNode bands = JSON.readTree(v.get("prio_vars")).get(".bss (qdisc_pr.bss)");
        assertTrue(bands.get("urgent_packets").asLong() > 0, all);
        assertTrue(bands.get("bulk_packets").asLong() > 0, all);
        assertEquals(0, bands.get("dropped").asLong(), all);
        assertCountedAsTcCounts(v, "prio_list", "prio_tc_before", "prio_tc", "so-v0");
        JsonNode tc = JSON.readTree(v.get("prio_tc")).get(0);
        assertTrue(tc.get("bytes").asLong() > 2097152, "the outbound transfer went through so-v0: " + all);
        assertEquals(v.get("veth_before"), v.get("prio_after"), all);
    }

    /**
     * The kernel's own bpf_qdisc_fq (rbtrees, lists, kptrs, the watchdog), a legacy map: placed by the handler,
     * swapped for a fresh copy (unregistered and registered again, with a gap) while TCP runs both ways through it,
     * counted as tc counts, taken off.
     */
    @Test
    void theKernelsFqIsPlacedSwappedUnderTrafficAndTakenOff() throws Exception {
        Map<String, String> v = VmSuite.scenario("qdisc");
        String all = VmSuite.report();
        assertTrue(v.get("fq_placed").startsWith("qdisc bpf_fq "), all);
        JsonNode swap = JSON.readTree(v.get("fq_swap"));
        assertTrue(swap.get("gapMicros").asLong() > 0, all);
        assertEquals(0, swap.get("linkId").asInt(), all);
        assertEquals("0 0 cubic 2097152 cubic 2097152", v.get("fq_traffic").strip(), all);
        assertTrue(v.get("fq_kinds").contains("bpf_fq="), all);
        assertTrue(v.get("fq_swapped").startsWith("qdisc bpf_fq "), all);
        assertCountedAsTcCounts(v, "fq_list", "fq_tc_before", "fq_tc", "so-v0");
        assertTrue(v.get("fq_unload").startsWith("unloaded "), all);
        assertEquals(v.get("veth_before"), v.get("fq_after"), all);
        assertEquals(v.get("maps_before"), v.get("fq_maps_after"), all);
    }

    /**
     * {@code list}'s packets and bytes for the device lie between tc's reads just before and just after it (equal to
     * both when the device sent nothing in between), and its other counters are tc's.
     */
    private static void assertCountedAsTcCounts(
            Map<String, String> v, String list, String tcBefore, String tcAfter, String name) throws Exception {
        String all = VmSuite.report();
        JsonNode device =
                JSON.readTree(v.get(list)).get(0).get("status").get("devices").get(0);
        JsonNode before = JSON.readTree(v.get(tcBefore)).get(0);
        JsonNode after = JSON.readTree(v.get(tcAfter)).get(0);
        assertEquals(name, device.get("device").asText(), all);
        for (String counter : new String[] {"packets", "bytes"}) {
            long counted = device.get(counter).asLong();
            assertTrue(
                    before.get(counter).asLong() <= counted
                            && counted <= after.get(counter).asLong(),
                    counter + " " + counted + " not between tc's " + before.get(counter) + " and " + after.get(counter)
                            + ": " + all);
        }
        for (String counter : new String[] {"drops", "overlimits", "requeues"}) {
            assertEquals(after.get(counter).asLong(), device.get(counter).asLong(), counter + ": " + all);
        }
    }
}
