package io.structops.it.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.structops.it.cli.Launcher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * struct_ops on this machine's kernel, through runtime/bin/structops as a user runs it: a congestion control that
 * carries traffic, bpftool as the peer for what the kernel holds, and failures that leave nothing behind.
 */
@Tag("kernel")
class StructOpsOnKernelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path AVAILABLE = Path.of("/proc/sys/net/ipv4/tcp_available_congestion_control");
    private static final Path STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    private static String statsBefore;

    @BeforeAll
    static void countProgramRuns() throws Exception {
        statsBefore = Files.readString(STATS).trim();
        Files.writeString(STATS, "1");
    }

    @AfterAll
    static void restore() throws Exception {
        Files.writeString(STATS, statsBefore);
    }

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), cmd + ":\n" + out);
        return out;
    }

    static JsonNode bpftool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bpftool", "--json"));
        cmd.addAll(List.of(args));
        return JSON.readTree(run(cmd));
    }

    /** What {@code structops vars NAME --json} reports. */
    static JsonNode vars(String name) throws Exception {
        Launcher.Result r = Launcher.run("vars", name, "--json");
        assertEquals(0, r.status(), r.err());
        return JSON.readTree(r.out());
    }

    /** The running kernel's value of a config option, as /proc/config.gz states it. */
    static String kernelConfig(String option) throws Exception {
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(Path.of("/proc/config.gz")))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(l -> l.startsWith(option + "="))
                    .findFirst()
                    .orElseThrow()
                    .substring(option.length() + 1);
        }
    }

    static boolean available(String cc) throws Exception {
        return List.of(Files.readString(AVAILABLE).trim().split("\\s+")).contains(cc);
    }

    /** Program ids in the kernel (bpftool), to prove a load leaves nothing behind. */
    static Set<Integer> programIds() throws Exception {
        Set<Integer> ids = new HashSet<>();
        bpftool("prog", "show").forEach(p -> ids.add(p.get("id").asInt()));
        return ids;
    }

    static void awaitGone(Set<Integer> before) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        Set<Integer> now = programIds();
        while (!before.containsAll(now) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            now = programIds();
        }
        now.removeAll(before);
        assertEquals(Set.of(), now, "programs left in the kernel");
    }

    /** Removes a test's pin directory on the bpffs: the pinned links go with it. */
    static void removePins(Path pins) throws Exception {
        try (Stream<Path> files = Files.list(pins)) {
            files.forEach(f -> f.toFile().delete());
        }
        Files.deleteIfExists(pins);
    }

    static Path trafficTool(Path dir) throws Exception {
        Path exe = dir.resolve("tcp_traffic");
        run(List.of(
                "gcc",
                "-O2",
                "-o",
                exe.toString(),
                Path.of(System.getProperty("structops.examples"))
                        .resolveSibling("kernel")
                        .resolve("tcp_traffic.c")
                        .toString()));
        return exe;
    }

    @Test
    void linkBasedCongestionControlCarriesTraffic(@TempDir Path dir) throws Exception {
        Set<Integer> before = programIds();
        Path pins = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "structops-it");
        try {
            Launcher.Result r = Launcher.run(
                    "load", Launcher.example("tcp_cc_link.bpf.o").toString(), "--pin", pins.toString(), "--json");
            assertEquals(0, r.status(), r.err());
            JsonNode map = JSON.readTree(r.out()).get("maps").get(0);
            assertEquals("structops_fixed", map.get("name").asText());
            assertTrue(Files.exists(pins.resolve("structops_fixed")), "the link is pinned");
            assertTrue(available("structops_fixed"), "the runtime exited, the pinned link keeps it attached");

            String traffic = run(List.of(trafficTool(dir).toString(), "structops_fixed", "4194304"));
            assertEquals("structops_fixed 4194304", traffic.trim());

            long runs = 0;
            for (var e : map.get("programs").properties()) {
                JsonNode prog = bpftool("prog", "show", "id", e.getValue().asText());
                runs += prog.path("run_cnt").asLong();
            }
            assertTrue(runs > 0, "the congestion control's programs ran (run_cnt " + runs + ")");

            // structops's view against bpftool's.
            Launcher.Result list = Launcher.run("list", "--json");
            JsonNode listed = null;
            for (JsonNode m : JSON.readTree(list.out())) {
                if (m.get("id").asInt() == map.get("mapId").asInt()) {
                    listed = m;
                }
            }
            assertEquals("tcp_congestion_ops", listed.get("type").asText());
            assertEquals(map.get("linkId").asInt(), listed.get("linkId").asInt());
            JsonNode peer = bpftool("struct_ops", "show", "id", map.get("mapId").asText());
            assertEquals("tcp_congestion_ops", peer.get("kernel_struct_ops").asText());
            Launcher.Result dump = Launcher.run("dump", "structops_fixed", "--json");
            JsonNode members = JSON.readTree(dump.out()).get("members");
            assertEquals("ready", JSON.readTree(dump.out()).get("state").asText());
            // bpftool 7.1 prints the map's info and its value as two comma-separated JSON objects; function
            // pointers read "u32 (struct sock *) fixed_ssthresh/prog_id:149".
            JsonNode docs = JSON.readTree("["
                    + run(List.of(
                            "bpftool",
                            "--json",
                            "struct_ops",
                            "dump",
                            "id",
                            map.get("mapId").asText())) + "]");
            JsonNode peerDump = docs.get(docs.size() - 1)
                    .get("bpf_struct_ops_tcp_congestion_ops")
                    .get("data");
            for (var e : map.get("programs").properties()) {
                assertTrue(
                        peerDump.get(e.getKey())
                                .asText()
                                .endsWith("/prog_id:" + e.getValue().asInt()),
                        e.getKey() + " in bpftool: " + peerDump.get(e.getKey()));
                assertTrue(
                        members.get(e.getKey())
                                .asText()
                                .endsWith("(prog id " + e.getValue().asInt() + ")"),
                        members.toString());
                // Full names, from the program's BTF, as bpftool gives them (fixed_cong_avoid, not fixed_cong_avoi).
                assertEquals(
                        asOurs(peerDump.get(e.getKey()).asText()),
                        members.get(e.getKey()).asText());
            }

            Launcher.Result unload = Launcher.run("unload", "structops_fixed");
            assertEquals(0, unload.status(), unload.err());
            assertFalse(available("structops_fixed"), "detached by unload");
        } finally {
            removePins(pins);
        }
        awaitGone(before);
    }

    /** bpftool's "u32 (struct sock *) fixed_cong_avoid/prog_id:149" as dump writes it: "fixed_cong_avoid (prog id 149)". */
    static String asOurs(String bpftool) {
        Matcher m = Pattern.compile("(\\w+)/prog_id:(\\d+)$").matcher(bpftool);
        assertTrue(m.find(), bpftool);
        return m.group(1) + " (prog id " + m.group(2) + ")";
    }

    @Test
    void legacyCongestionControlStaysRegisteredAndCarriesTraffic(@TempDir Path dir) throws Exception {
        Set<Integer> before = programIds();
        try {
            // A one-shot load of a legacy map leaves it registered, as bpftool's register does.
            Launcher.Result r =
                    Launcher.run("load", Launcher.example("tcp_cc_legacy.bpf.o").toString(), "--json");
            assertEquals(0, r.status(), r.err());
            JsonNode map = JSON.readTree(r.out()).get("maps").get(0);
            assertTrue(map.get("linkId").isNull(), map.toString());
            assertTrue(available("so_legacy"), "registered after the runtime exited");
            assertEquals(
                    "so_legacy 4194304",
                    run(List.of(trafficTool(dir).toString(), "so_legacy", "4194304"))
                            .trim());
            long runs = 0;
            for (var e : map.get("programs").properties()) {
                runs += bpftool("prog", "show", "id", e.getValue().asText())
                        .path("run_cnt")
                        .asLong();
            }
            assertTrue(runs > 0, "the congestion control's programs ran (run_cnt " + runs + ")");

            JsonNode docs = JSON.readTree("["
                    + run(List.of(
                            "bpftool",
                            "--json",
                            "struct_ops",
                            "dump",
                            "id",
                            map.get("mapId").asText())) + "]");
            JsonNode peerDump = docs.get(docs.size() - 1).get("bpf_struct_ops_tcp_congestion_ops");
            JsonNode dump = JSON.readTree(
                    Launcher.run("dump", map.get("mapId").asText(), "--json").out());
            assertEquals("inuse", dump.get("state").asText(), "a registered legacy map is in use");
            for (var e : map.get("programs").properties()) {
                assertTrue(
                        peerDump.get("data")
                                .get(e.getKey())
                                .asText()
                                .endsWith("/prog_id:" + e.getValue().asInt()),
                        e.getKey() + " in bpftool: " + peerDump);
                assertTrue(
                        dump.get("members")
                                .get(e.getKey())
                                .asText()
                                .endsWith("(prog id " + e.getValue().asInt() + ")"),
                        dump.toString());
                assertEquals(
                        asOurs(peerDump.get("data").get(e.getKey()).asText()),
                        dump.get("members").get(e.getKey()).asText());
            }
            assertEquals("so_legacy", dump.get("members").get("name").asText().replace("\"", ""), dump.toString());

            Launcher.Result unload = Launcher.run("unload", map.get("mapId").asText());
            assertEquals(0, unload.status(), unload.err());
            assertTrue(unload.out().startsWith("unregistered tcp_congestion_ops"), unload.out());
            assertFalse(available("so_legacy"));
        } finally {
            if (available("so_legacy")) {
                Launcher.run("unload", "structops_legac");
            }
        }
        awaitGone(before);
    }

    @Test
    void stateInMapsAndGlobalsIsReadBack(@TempDir Path dir) throws Exception {
        Set<Integer> before = programIds();
        Path pins = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "structops-it");
        try {
            Launcher.Result r =
                    Launcher.run("load", Launcher.example("tcp_cc_state.bpf.o").toString(), "--pin", pins.toString());
            assertEquals(0, r.status(), r.err());
            // The kernel's view of the maps the object declared, read back through bpftool.
            JsonNode counters = null;
            JsonNode rodata = null;
            for (JsonNode m : bpftool("map", "show")) {
                if (m.path("name").asText().equals("counters")) {
                    counters = m;
                }
                if (m.path("name").asText().equals("tcp_cc_s.rodata")) {
                    rodata = m;
                }
            }
            assertEquals("array", counters.get("type").asText());
            assertEquals(4, counters.get("bytes_key").asInt());
            assertEquals(8, counters.get("bytes_value").asInt());
            assertEquals(4, counters.get("max_entries").asInt());
            assertTrue(rodata.path("frozen").asInt() == 1, ".rodata is frozen: " + rodata);

            run(List.of(trafficTool(dir).toString(), "structops_state", "2097152"));

            JsonNode v = vars("structops_state");
            assertEquals("10", v.get(".rodata (tcp_cc_s.rodata)").get("window").asText());
            assertEquals("7", v.get(".data (tcp_cc_s.data)").get("generation").asText());
            // Typed through BTF as bpftool's formatted dump types it: a struct as its fields, numbers as numbers, a
            // byte array that is not text as a list of numbers.
            JsonNode marks = v.get(".data (tcp_cc_s.data)").get("marks");
            assertEquals("{\"first\":7,\"flags\":3,\"tags\":[1,2,250]}", marks.toString());
            assertTrue(v.get(".bss (tcp_cc_s.bss)").get("init_calls").asLong() >= 1, v.toString());
            assertTrue(v.get(".bss (tcp_cc_s.bss)").get("acked_calls").asLong() > 0, v.toString());
            assertEquals(0, Launcher.run("unload", "structops_state").status());
        } finally {
            removePins(pins);
        }
        awaitGone(before);
    }

    /** Checks made while a loaded, pinned object is attached; its pins and programs are gone afterwards. */
    interface WhileAttached {
        void check() throws Exception;
    }

    /** Loads an example pinned, pushes traffic through its congestion control, runs the extra checks, unloads. */
    static void carriesTraffic(Path dir, String object, String algorithm, WhileAttached extra, String... options)
            throws Exception {
        Set<Integer> before = programIds();
        Path pins = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "structops-it");
        try {
            List<String> args =
                    new ArrayList<>(List.of("load", Launcher.example(object).toString(), "--pin", pins.toString()));
            args.addAll(List.of(options));
            Launcher.Result r = Launcher.run(args.toArray(String[]::new));
            assertEquals(0, r.status(), r.err());
            assertEquals(
                    algorithm + " 1048576",
                    run(List.of(trafficTool(dir).toString(), algorithm, "1048576"))
                            .trim());
            extra.check();
            assertEquals(0, Launcher.run("unload", algorithm).status());
        } finally {
            removePins(pins);
        }
        awaitGone(before);
    }

    @Test
    void kfuncCallingCongestionControlCarriesTraffic(@TempDir Path dir) throws Exception {
        carriesTraffic(dir, "tcp_cc_kfunc.bpf.o", "structops_kfunc", () -> {
            JsonNode v = vars("structops_kfunc");
            assertTrue(v.get(".bss (tcp_cc_k.bss)").get("kfunc_calls").asLong() > 0, v.toString());
        });
    }

    /**
     * tcp_cc_module calls tcp_bbr's and tcp_dctcp's functions, each guarded, with Reno as the fallback. Where this
     * kernel has them (built in, or a loaded module) the programs call them; where not, the fallback runs. The
     * module case proper, through fd_array, runs in the VM (TcpModulesInVmTest): this kernel has no modules.
     */
    @Test
    void moduleFunctionsAreCalledWhereTheKernelHasThemAndTheFallbackRunsWhereNot(@TempDir Path dir) throws Exception {
        java.util.Map<String, Boolean> resolved = new java.util.HashMap<>();
        for (JsonNode e : InspectOnKernelTest.inspect("tcp_cc_module.bpf.o").get("externs")) {
            resolved.put(e.get("name").asText(), e.get("resolved").asBoolean());
        }
        carriesTraffic(dir, "tcp_cc_module.bpf.o", "structops_bbr", () -> {
            assertEquals(
                    "structops_dctcp 1048576",
                    run(List.of(trafficTool(dir).toString(), "structops_dctcp", "1048576"))
                            .trim());
            JsonNode v = vars("structops_bbr").get(".bss (tcp_cc_m.bss)");
            boolean bbr = resolved.get("bbr_main");
            assertEquals(bbr, v.get("bbr_main_calls").asLong() > 0, v.toString());
            // BBR's own round count, read from its private state through CO-RE.
            assertEquals(bbr, v.get("bbr_rtt_cnt").asLong() > 0, v.toString());
            assertEquals(!bbr, v.get("reno_calls").asLong() > 0, v.toString());
            assertEquals(
                    resolved.get("dctcp_update_alpha"),
                    v.get("dctcp_alpha_updates").asLong() > 0,
                    v.toString());
        });
    }

    @Test
    void globalsSetAtLoadReachTheRunningPrograms(@TempDir Path dir) throws Exception {
        carriesTraffic(
                dir,
                "tcp_cc_state.bpf.o",
                "structops_state",
                () -> {
                    JsonNode v = vars("structops_state");
                    assertEquals(
                            "12",
                            v.get(".rodata (tcp_cc_s.rodata)").get("window").asText());
                    assertEquals(
                            "9",
                            v.get(".data (tcp_cc_s.data)").get("generation").asText());
                },
                "--set",
                "window=12,generation=9");
        Launcher.Result r =
                Launcher.run("load", Launcher.example("tcp_cc_state.bpf.o").toString(), "--set", "window=70000000000");
        assertEquals(1, r.status());
        assertTrue(
                r.err().contains("--set window=70000000000 (.rodata): does not fit in an unsigned 32-bit int"),
                r.err());
    }

    @Test
    void kconfigAndKsymExternsHoldThisKernelsValues(@TempDir Path dir) throws Exception {
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        String[] v = release.split("[^0-9]+");
        long version = (Long.parseLong(v[0]) << 16) | (Long.parseLong(v[1]) << 8) | Math.min(255, Long.parseLong(v[2]));
        String hz = kernelConfig("CONFIG_HZ");
        String stext = Files.readAllLines(Path.of("/proc/kallsyms")).stream()
                .filter(l -> l.endsWith(" _stext"))
                .findFirst()
                .orElseThrow()
                .split(" ")[0];
        carriesTraffic(dir, "tcp_cc_externs.bpf.o", "structops_ext", () -> {
            JsonNode all = vars("structops_ext");
            JsonNode bss = all.get(".bss (tcp_cc_e.bss)");
            assertEquals(Long.toString(version), bss.get("seen_kernel_version").asText(), bss.toString());
            assertEquals(hz, bss.get("seen_hz").asText());
            assertEquals("1", bss.get("seen_bpf_syscall").asText(), "CONFIG_BPF_SYSCALL=y");
            assertEquals(
                    Long.toUnsignedString(Long.parseUnsignedLong(stext, 16)),
                    bss.get("seen_stext").asText());
            // The weak option no kernel has reads as 0 (the .data initialiser was 99).
            JsonNode data = all.get(".data (tcp_cc_e.data)");
            assertEquals("0", data.get("seen_no_such_option").asText());
            // The map libbpf would create, under the name libbpf would give it, read-only to programs and frozen.
            JsonNode kconfig = null;
            for (JsonNode m : bpftool("map", "show")) {
                if (m.path("name").asText().equals("tcp_cc_.kconfig")) {
                    kconfig = m;
                }
            }
            assertEquals(1, kconfig.path("frozen").asInt(), String.valueOf(kconfig));
        });
    }

    @Test
    void typedKsymNeedsItsAddressInKallsyms() throws Exception {
        Set<Integer> before = programIds();
        boolean listed = Files.readString(Path.of("/proc/kallsyms")).contains(" bpf_prog_active\n");
        Launcher.Result r =
                Launcher.run("load", Launcher.example("tcp_cc_ksym.bpf.o").toString());
        if (listed) {
            // Not pinned: the link goes when the one-shot runtime exits.
            assertEquals(0, r.status(), r.err());
        } else {
            // Without CONFIG_KALLSYMS_ALL the verifier cannot place the per-CPU variable the BTF id names.
            assertEquals(1, r.status());
            assertTrue(
                    r.err().contains("program ks_init")
                            && r.err().contains("ENOENT")
                            && r.err().contains("kernel symbol 'bpf_prog_active'"),
                    r.err());
        }
        awaitGone(before);
    }

    @Test
    void mapsOfManyKindsKeepStateOfAttachedPrograms(@TempDir Path dir) throws Exception {
        // Maps no program uses go when the one-shot runtime exits (as with libbpf); LoadOnKernelTest checks every
        // declared map's definition while the loader holds them.
        Set<String> used = Set.of("acks_per_cpu", "flows", "states", "recent", "events", "per_socket");
        carriesTraffic(dir, "tcp_cc_maps.bpf.o", "structops_maps", () -> {
            Map<String, Integer> ids = new HashMap<>();
            for (JsonNode m : bpftool("map", "show")) {
                if (used.contains(m.path("name").asText())) {
                    ids.put(m.path("name").asText(), m.get("id").asInt());
                }
            }
            assertEquals(used, ids.keySet());
            // The callbacks used them: a flow was counted, and the LRU remembers the last ack.
            assertTrue(bpftool("map", "dump", "id", ids.get("flows").toString()).size() > 0);
            assertTrue(
                    bpftool("map", "dump", "id", ids.get("recent").toString()).size() > 0);
        });
    }

    @Test
    void innerMapsAreReachedThroughTheirOuterMap(@TempDir Path dir) throws Exception {
        carriesTraffic(dir, "tcp_cc_inner.bpf.o", "structops_inner", () -> {
            JsonNode v = vars("structops_inner");
            assertTrue(v.get(".bss (tcp_cc_i.bss)").get("lookups_through_outer").asLong() > 0, v.toString());
        });
    }

    /**
     * Globals in sections of their own, and a per-CPU array sized at load ({@code --resize}, as an scx scheduler's
     * userspace sizes its arrays to the CPU count): the verifier accepts indexes up to the CPU count only because
     * the map grew, and the traffic's acks land in the CPUs' slots.
     */
    @Test
    void customDataSectionsAreGlobalsToo(@TempDir Path dir) throws Exception {
        String possible =
                Files.readString(Path.of("/sys/devices/system/cpu/possible")).strip();
        int cpus = Integer.parseInt(possible.substring(possible.lastIndexOf('-') + 1)) + 1;
        carriesTraffic(
                dir,
                "tcp_cc_sections.bpf.o",
                "structops_sect",
                () -> {
                    JsonNode v = vars("structops_sect");
                    assertEquals(
                            "2",
                            v.get(".data.tuning (.data.tuning)")
                                    .get("extra_window")
                                    .asText(),
                            v.toString());
                    assertEquals(
                            "12",
                            v.get(".rodata.limits (.rodata.limits)")
                                    .get("base_window")
                                    .asText(),
                            v.toString());
                    JsonNode acks = v.get(".data.per_cpu (.data.per_cpu)").get("acks_per_cpu");
                    assertEquals(cpus, acks.size(), "one slot per possible CPU: " + v);
                    long sum = 0;
                    for (JsonNode a : acks) {
                        sum += a.asLong();
                    }
                    assertTrue(sum > 0, "acks counted per CPU: " + acks);
                },
                "--set",
                "extra_window=2,base_window=12,nr_cpus=" + cpus,
                "--resize",
                "acks_per_cpu=cpus");
    }

    /** The "done when": maps, globals, kfuncs, CO-RE and kconfig in one object that runs and reports. */
    @Test
    void realWorldObjectRunsAndReportsItsState(@TempDir Path dir) throws Exception {
        String hz = kernelConfig("CONFIG_HZ");
        carriesTraffic(
                dir,
                "tcp_cc_full.bpf.o",
                "structops_full",
                () -> {
                    JsonNode v = vars("structops_full");
                    JsonNode bss = v.get(".bss (tcp_cc_f.bss)");
                    assertEquals(
                            "4",
                            v.get(".rodata (tcp_cc_f.rodata)")
                                    .get("min_ssthresh")
                                    .asText(),
                            v.toString());
                    assertEquals(hz, bss.get("hz").asText(), "CONFIG_HZ through .kconfig");
                    assertTrue(bss.get("acked_total").asLong() > 0, bss.toString());
                    // skc_state through CO-RE: TCP_ESTABLISHED (1) while data flows, then closing states, all below
                    // TCP_MAX_STATES (13); the byte at the object's offset 0 (part of an address) would not look like
                    // that.
                    long seen = bss.get("states_seen").asLong();
                    assertTrue(
                            (seen & (1 << 1)) != 0 && seen < (1 << 13),
                            "TCP states seen: " + Long.toBinaryString(seen));
                    int flows = -1;
                    for (JsonNode m : bpftool("map", "show")) {
                        if (m.path("name").asText().equals("flows")) {
                            flows = bpftool("map", "dump", "id", m.get("id").asText())
                                    .size();
                        }
                    }
                    assertTrue(flows > 0, "per-flow state in the hash map");
                },
                "--set",
                "min_ssthresh=4");
    }

    @Test
    void coreRelocatedCongestionControlCarriesTraffic(@TempDir Path dir) throws Exception {
        // core_reads reads sk->__sk_common.skc_state, at offset 0 in the object and elsewhere in the kernel.
        carriesTraffic(dir, "core_reads.bpf.o", "structops_core", () -> {});
    }

    /**
     * Fields reached through the kernel's anonymous unions and structs, and a bitfield, as objects built against a
     * vmlinux.h read them (LibbpfPeerTest checks the relocated instructions equal libbpf's): the values the programs
     * read are the loopback connection's.
     */
    @Test
    void coreReadsThroughAnonymousMembersAndBitfieldsCarryTraffic(@TempDir Path dir) throws Exception {
        carriesTraffic(dir, "core_anon.bpf.o", "structops_anon", () -> {
            JsonNode bss = vars("structops_anon").get(".bss (core_ano.bss)");
            assertEquals(0x0100007f, bss.get("last_daddr").asLong(), "127.0.0.1 in network order: " + bss);
            assertTrue(bss.get("last_num").asLong() > 0 && bss.get("last_dport").asLong() > 0, bss.toString());
            long state = bss.get("last_ca_state").asLong() - 100;
            assertTrue(state >= 0 && state <= 4, "a TCP_CA_* state: " + bss);
        });
    }

    /** A callback handed to bpf_loop (an ld_imm64 of a .text function, BPF_PSEUDO_FUNC): it ran, four steps a call. */
    @Test
    void aCallbackPassedToBpfLoopRuns(@TempDir Path dir) throws Exception {
        carriesTraffic(dir, "tcp_cc_loop.bpf.o", "structops_loop", () -> {
            long steps = vars("structops_loop")
                    .get(".bss (tcp_cc_l.bss)")
                    .get("loop_steps")
                    .asLong();
            assertTrue(steps > 0 && steps % 4 == 0, "the callback took four steps per cong_avoid: " + steps);
        });
    }

    @Test
    void unresolvableCoreRelocationsFailOnlyWhereReached(@TempDir Path dir) throws Exception {
        // Guarded by bpf_core_field_exists(): the poisoned read is dead code, and the object runs.
        carriesTraffic(dir, "core_guarded.bpf.o", "so_cf_guarded", () -> {});
        Set<Integer> before = programIds();
        Launcher.Result r =
                Launcher.run("load", Launcher.example("core_missing.bpf.o").toString());
        assertEquals(1, r.status());
        String last = r.err().lines().reduce((a, b) -> b).orElse("");
        assertTrue(
                last.contains("program cf_ssthresh")
                        && last.contains("EINVAL")
                        && last.contains(
                                "instruction 1 is CO-RE relocation FIELD_BYTE_OFFSET"
                                        + " sock___structops_future.sk_structops_credits, which no type of this kernel satisfies"),
                last);
        awaitGone(before);
    }

    @Test
    void aReachableCallToAMissingWeakKfuncIsNamed() throws Exception {
        Set<Integer> before = programIds();
        Launcher.Result r =
                Launcher.run("load", Launcher.example("tcp_cc_unguarded.bpf.o").toString());
        assertEquals(1, r.status());
        String last = r.err().lines().reduce((a, b) -> b).orElse("");
        assertTrue(
                last.contains("program ug_cong_avoid")
                        && last.contains("EINVAL")
                        && last.matches(
                                ".*instruction \\d+ calls kernel function 'structops_no_such_kfunc', which this kernel"
                                        + " does not have \\(it is __weak: guard the call with bpf_ksym_exists\\(\\)\\).*"),
                last);
        awaitGone(before);
    }

    @Test
    void verifierRejectionIsExplainedAndLeavesNothing() throws Exception {
        Set<Integer> before = programIds();
        Launcher.Result r =
                Launcher.run("load", Launcher.example("tcp_cc_reject.bpf.o").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("access beyond struct"), "the verifier's log: " + r.err());
        String last = r.err().lines().reduce((a, b) -> b).orElse("");
        assertTrue(
                last.startsWith("structops load: ")
                        && last.contains("program reject_ssthresh")
                        && last.contains("BPF_PROG_LOAD")
                        && last.contains("EACCES"),
                last);
        awaitGone(before);
        assertFalse(available("so_reject"));
    }

    @Test
    void objectsTheKernelCannotTakeFailBeforeLoading() throws Exception {
        Set<Integer> before = programIds();
        Launcher.Result r =
                Launcher.run("load", Launcher.example("no_such_ops.bpf.o").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("the kernel has no struct_ops type 'structops_no_such_ops'"), r.err());
        r = Launcher.run("load", Launcher.example("tcp_cc_future.bpf.o").toString());
        assertEquals(1, r.status());
        assertTrue(
                r.err()
                        .contains("member 'future_flags' is set, but the kernel's struct tcp_congestion_ops has no "
                                + "such member"),
                r.err());
        r = Launcher.run("load", Launcher.example("tcp_cc_mismatch.bpf.o").toString());
        assertEquals(1, r.status());
        assertTrue(
                r.err().contains("member 'flags' is u64 (8 bytes) in the object but u32 (4 bytes) in the kernel"),
                r.err());
        awaitGone(before);
    }

    @Test
    void withoutPrivilegeTheKernelsRefusalIsNamed() throws Exception {
        Set<Integer> before = programIds();
        // setpriv drops CAP_BPF and CAP_SYS_ADMIN (and the capabilities that imply them) for the runtime only.
        Process p = new ProcessBuilder(
                        "setpriv",
                        "--bounding-set=-bpf,-sys_admin,-perfmon,-net_admin",
                        "--inh-caps=-all",
                        Launcher.script().toString(),
                        "load",
                        Launcher.example("tcp_cc_link.bpf.o").toString())
                .start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), err);
        assertTrue(err.contains("EPERM"), err);
        assertTrue(
                err.contains("this process lacks CAP_BPF, CAP_SYS_ADMIN"),
                "the missing capabilities are named: " + err);
        assertFalse(available("structops_fixed"));
        awaitGone(before);
    }
}
