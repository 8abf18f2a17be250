package io.structops.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Flavours as libbpf reads them: the last one goes, and only a separator of exactly three underscores is one. */
class BtfNamesTest {
    @Test
    void theFlavourGoes() {
        assertEquals("tcp_congestion_ops", BtfNames.withoutFlavour("tcp_congestion_ops___v2"));
        assertEquals("task_struct", BtfNames.withoutFlavour("task_struct___old"));
    }

    @Test
    void onlyTheLastFlavourGoes() {
        // sched_ext's compat header: the kernel's own scx_bpf_dsq_insert___v2, flavoured ___compat by the object.
        assertEquals("scx_bpf_dsq_insert___v2", BtfNames.withoutFlavour("scx_bpf_dsq_insert___v2___compat"));
        assertEquals("scx_bpf_dsq_insert", BtfNames.withoutFlavour("scx_bpf_dsq_insert___v1"));
    }

    @Test
    void namesWithoutAFlavourStay() {
        for (String name : new String[] {"tcp_cong", "a__b", "a____b", "___x", "x___", "_", ""}) {
            assertEquals(name, BtfNames.withoutFlavour(name), name);
        }
    }
}
