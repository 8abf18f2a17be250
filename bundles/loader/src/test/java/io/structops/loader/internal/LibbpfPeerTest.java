package io.structops.loader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.btf.internal.BtfReaderComponent;
import io.structops.elf.internal.BpfObjectReaderComponent;
import io.structops.kernel.btf.internal.KernelBtfSource;
import io.structops.kernvdata.internal.KernVdataBuilderComponent;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedObject;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfFd;
import io.structops.syscall.internal.BpfSyscalls;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The instructions structops hands to BPF_PROG_LOAD, after relocation, equal libbpf's for the same object (libbpf
 * 1.5, which knows .struct_ops.link; see integration-tests/benchmarks/c/libbpf-peer.sh). Map descriptors differ
 * between the two loads, so references are compared by map name.
 */
@Tag("kernel")
class LibbpfPeerTest {

    /** The libbpf peer helper, built into {@code dir}. */
    static Path helper(Path dir) throws Exception {
        Path kernelDir = Path.of(System.getProperty("structops.examples")).resolveSibling("kernel");
        Path exe = dir.resolve("libbpf_insns");
        run(List.of(kernelDir.resolve("build-libbpf-insns.sh").toString(), exe.toString()));
        return exe;
    }

    private static String run(List<String> cmd) throws Exception {
        Processes.Result r = Processes.run(cmd, false);
        assertEquals(0, r.status(), "failed: " + cmd);
        return r.output();
    }

    /**
     * Loads with structops, recording every program's instructions as PROG_LOAD received them, and under "map" each
     * map as the kernel received it.
     */
    private static Map<String, List<String>> structops(Path object) throws Exception {
        return structops(object, false);
    }

    /** As {@link #structops(Path)}; with {@code refused}, the kernel's refusal of a PROG_LOAD is expected. */
    private static Map<String, List<String>> structops(Path object, boolean refused) throws Exception {
        BpfSyscalls real = new BpfSyscalls();
        Map<Integer, String> mapNames = new HashMap<>();
        Map<String, List<String>> programs = new TreeMap<>();
        Bpf recording = (Bpf) Proxy.newProxyInstance(
                Bpf.class.getClassLoader(), new Class<?>[] {Bpf.class}, (proxy, method, args) -> {
                    if (method.getName().equals("progLoad")) {
                        Bpf.ProgLoad spec = (Bpf.ProgLoad) args[0];
                        programs.put(spec.name(), lines(spec.name(), spec.instructions(), mapNames));
                    }
                    Object result;
                    try {
                        result = method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("mapCreate")) {
                        mapNames.put(((BpfFd) result).value(), ((Bpf.MapCreate) args[0]).name());
                        Bpf.MapInfo i = real.mapInfo((BpfFd) result);
                        // The template of a map of maps lives only while the outer map is made; libbpf's too.
                        if (!i.name().endsWith(".inner")) {
                            programs.computeIfAbsent("map", k -> new ArrayList<>())
                                    .add("map " + i.name() + " "
                                            + i.type() + " " + i.keySize() + " " + i.valueSize() + " " + i.maxEntries()
                                            + " "
                                            + i.mapFlags() + " " + i.btfValueTypeId() + " "
                                            + i.btfVmlinuxValueTypeId());
                        }
                    }
                    return result;
                });
        BtfReaderComponent btf = new BtfReaderComponent();
        StructOpsLoaderComponent loader = new StructOpsLoaderComponent(
                new BpfObjectReaderComponent(),
                btf,
                KernelBtfSource.running(btf),
                new KernVdataBuilderComponent(),
                recording);
        try (LoadedObject o = loader.load(object, new LoadOptions(java.util.Set.of(), false))) {
            assertTrue(!refused, "the kernel took it");
            return programs;
        } catch (io.structops.loader.LoadException e) {
            if (!refused || !e.getMessage().contains("BPF_PROG_LOAD")) {
                throw e;
            }
            return programs;
        }
    }

    private static List<String> lines(String prog, byte[] insns, Map<Integer, String> maps) {
        ByteBuffer b = ByteBuffer.wrap(insns).order(ByteOrder.LITTLE_ENDIAN);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < insns.length / 8; i++) {
            int code = b.get(i * 8) & 0xff;
            int regs = b.get(i * 8 + 1) & 0xff;
            int src = regs >>> 4;
            int imm = b.getInt(i * 8 + 4);
            String immText = code == 0x18 && (src == 1 || src == 2) ? "map:" + maps.get(imm) : Integer.toString(imm);
            out.add(prog + " " + i + " " + code + " " + (regs & 0xf) + " " + src + " " + b.getShort(i * 8 + 2) + " "
                    + immText);
        }
        return out;
    }

    /**
     * Every example both can load. tcp_cc_twice and tcp_cc_shared bind one program to two members, which libbpf 1.5
     * refuses; structops loads such a program once per member, as the kernel requires (LoadOnKernelTest). The
     * failure examples are not loadable by design. libbpf 1.5 refuses tcp_cc_kfunc
     * ("func_proto incompatible with vmlinux" for tcp_reno_cong_avoid, whose declaration matches the kernel's and
     * which the verifier accepts), so its kfunc calls are checked against the kernel's BTF ids instead, below.
     */
    @org.junit.jupiter.api.Test
    void kfuncCallsCarryTheKernelsBtfIds() throws Exception {
        Map<String, List<String>> ours = structops(Loaders.example("tcp_cc_kfunc.bpf.o"));
        io.structops.btf.Btf vmlinux =
                KernelBtfSource.running(new BtfReaderComponent()).vmlinux();
        int ssthresh =
                vmlinux.find("tcp_reno_ssthresh", io.structops.btf.BtfKind.FUNC).orElseThrow();
        int congAvoid = vmlinux.find("tcp_reno_cong_avoid", io.structops.btf.BtfKind.FUNC)
                .orElseThrow();
        // code 133 = BPF_JMP|BPF_CALL; src 2 = BPF_PSEUDO_KFUNC_CALL; imm = the kernel function's BTF id.
        assertTrue(
                ours.get("kf_ssthresh").stream().anyMatch(l -> l.endsWith(" 133 0 2 0 " + ssthresh)),
                ours.get("kf_ssthresh").toString());
        List<String> avoid = ours.get("kf_cong_avoid");
        assertTrue(avoid.stream().anyMatch(l -> l.endsWith(" 133 0 2 0 " + congAvoid)), avoid.toString());
        // The weak kfunc the kernel lacks: its address loads as 0 (so bpf_ksym_exists() is false) and its call
        // becomes a call to helper 2002000000 + its extern index (0: the first by name), as libbpf 1.5 poisons
        // it; the verifier accepts it in the branch it proves dead.
        assertTrue(avoid.stream().anyMatch(l -> l.endsWith(" 133 0 0 0 2002000000")), avoid.toString());
        assertTrue(avoid.stream().anyMatch(l -> l.matches("kf_cong_avoid \\d+ 24 \\d+ 0 0 0")), avoid.toString());
    }

    /**
     * libbpf cannot load tcp_cc_ksym here either: this kernel lacks CONFIG_KALLSYMS_ALL, so the verifier cannot find
     * bpf_prog_active's address. What the loader hands the kernel is checked against vmlinux BTF instead.
     */
    @org.junit.jupiter.api.Test
    void typedKsymsCarryTheKernelsBtfIds() throws Exception {
        io.structops.btf.Btf vmlinux =
                KernelBtfSource.running(new BtfReaderComponent()).vmlinux();
        int active =
                vmlinux.find("bpf_prog_active", io.structops.btf.BtfKind.VAR).orElseThrow();
        boolean kallsymsAll =
                java.nio.file.Files.readString(Path.of("/proc/kallsyms")).contains(" bpf_prog_active");
        List<String> init =
                structops(Loaders.example("tcp_cc_ksym.bpf.o"), !kallsymsAll).get("ks_init");
        // code 24 = ld_imm64; src 3 = BPF_PSEUDO_BTF_ID with the VAR's id; the weak variable no kernel has: plain 0.
        assertTrue(init.stream().anyMatch(l -> l.matches("ks_init \\d+ 24 \\d+ 3 0 " + active)), init.toString());
        assertTrue(init.stream().anyMatch(l -> l.matches("ks_init \\d+ 24 \\d+ 0 0 0")), init.toString());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "tcp_cc_link.bpf.o",
                "tcp_cc_state.bpf.o",
                "dummy_ops.bpf.o",
                "tcp_cc_legacy.bpf.o",
                "core_reads.bpf.o",
                "core_anon.bpf.o",
                "tcp_cc_loop.bpf.o",
                "tcp_cc_externs.bpf.o",
                "tcp_cc_maps.bpf.o",
                "tcp_cc_tags.bpf.o",
                "tcp_cc_inner.bpf.o",
                "core_guarded.bpf.o",
                "tcp_cc_sections.bpf.o",
                "tcp_cc_full.bpf.o",
                "tcp_cc_module.bpf.o"
            })
    void relocatedInstructionsEqualLibbpfs(String name, @TempDir Path dir) throws Exception {
        Path object = Loaders.example(name);
        Map<String, List<String>> ours = structops(object);
        Map<String, List<String>> theirs = new TreeMap<>();
        for (String line :
                run(List.of(helper(dir).toString(), object.toString())).lines().toList()) {
            theirs.computeIfAbsent(line.substring(0, line.indexOf(' ')), k -> new ArrayList<>())
                    .add(line);
        }
        assertEquals(theirs.keySet(), ours.keySet(), "the same programs are loaded");
        for (String prog : ours.keySet()) {
            if (prog.equals("map")) {
                // Maps as the kernel received them, in any order.
                assertEquals(new java.util.TreeSet<>(theirs.get(prog)), new java.util.TreeSet<>(ours.get(prog)));
            } else {
                assertEquals(theirs.get(prog), ours.get(prog), prog);
            }
        }
        assertTrue(!ours.isEmpty());
    }
}
