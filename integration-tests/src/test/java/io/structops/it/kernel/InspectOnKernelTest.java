package io.structops.it.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.structops.it.cli.Launcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code inspect} says what an object's externs and CO-RE relocations become on this kernel. Its answers are checked
 * against bpftool's reading of the kernel's BTF, the kernel's own config and {@code /proc/kallsyms}.
 */
@Tag("kernel")
class InspectOnKernelTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static JsonNode vmlinux;

    @BeforeAll
    static void readVmlinuxWithBpftool() throws Exception {
        vmlinux = StructOpsOnKernelTest.bpftool("btf", "dump", "file", "/sys/kernel/btf/vmlinux")
                .get("types");
    }

    static JsonNode inspect(String example) throws Exception {
        Launcher.Result r = Launcher.run("inspect", Launcher.example(example).toString(), "--json");
        assertEquals(0, r.status(), r.err());
        return JSON.readTree(r.out());
    }

    static Map<String, JsonNode> byName(JsonNode externs) {
        Map<String, JsonNode> m = new HashMap<>();
        externs.forEach(e -> m.put(e.get("name").asText(), e));
        return m;
    }

    /** The id bpftool gives the vmlinux type of that kind and name. */
    static int bpftoolId(String kind, String name) {
        for (JsonNode t : vmlinux) {
            if (t.get("kind").asText().equals(kind) && t.get("name").asText().equals(name)) {
                return t.get("id").asInt();
            }
        }
        throw new AssertionError("bpftool shows no " + kind + " " + name);
    }

    @Test
    void kfuncsAndKsymsResolveToTheIdsBpftoolShows() throws Exception {
        Map<String, JsonNode> kfuncs = byName(inspect("tcp_cc_kfunc.bpf.o").get("externs"));
        assertEquals(
                "FUNC [" + bpftoolId("FUNC", "tcp_reno_ssthresh") + "] in vmlinux BTF",
                kfuncs.get("tcp_reno_ssthresh").get("resolution").asText());
        assertEquals("kfunc", kfuncs.get("tcp_reno_ssthresh").get("kind").asText());
        JsonNode missing = kfuncs.get("structops_no_such_kfunc");
        assertTrue(missing.get("weak").asBoolean() && !missing.get("resolved").asBoolean(), missing.toString());

        Map<String, JsonNode> ksyms = byName(inspect("tcp_cc_ksym.bpf.o").get("externs"));
        assertEquals(
                "VAR [" + bpftoolId("VAR", "bpf_prog_active") + "] in vmlinux BTF",
                ksyms.get("bpf_prog_active").get("resolution").asText());
        assertFalse(ksyms.get("structops_no_such_variable").get("resolved").asBoolean());
    }

    @Test
    void kconfigAndTypelessKsymsShowThisKernelsValues() throws Exception {
        Map<String, JsonNode> externs = byName(inspect("tcp_cc_externs.bpf.o").get("externs"));
        for (String option : new String[] {"CONFIG_HZ", "CONFIG_BPF_SYSCALL", "CONFIG_DEFAULT_TCP_CONG"}) {
            assertEquals(
                    StructOpsOnKernelTest.kernelConfig(option),
                    externs.get(option).get("resolution").asText());
        }
        assertEquals(
                "not set in /proc/config.gz: reads 0",
                externs.get("CONFIG_STRUCTOPS_NO_SUCH_OPTION").get("resolution").asText());
        String stext = Files.readAllLines(Path.of("/proc/kallsyms")).stream()
                .filter(l -> l.endsWith(" _stext"))
                .findFirst()
                .orElseThrow()
                .split(" ")[0];
        assertEquals(
                "0x" + stext.replaceFirst("^0+(?=.)", "") + " in /proc/kallsyms",
                externs.get("_stext").get("resolution").asText());
    }

    @Test
    void coreRelocationsShowTheKernelsLayout() throws Exception {
        // bpftool's bits_offset of sock_common.skc_state; struct sock starts with __sk_common.
        int skcState = -1;
        for (JsonNode t : vmlinux) {
            if (t.get("kind").asText().equals("STRUCT")
                    && t.get("name").asText().equals("sock_common")) {
                for (JsonNode m : t.get("members")) {
                    if (m.get("name").asText().equals("skc_state")) {
                        skcState = m.get("bits_offset").asInt() / 8;
                    }
                }
            }
        }
        boolean seen = false;
        for (JsonNode c : inspect("core_reads.bpf.o").get("coreRelocations")) {
            if (c.get("kind").asText().equals("FIELD_BYTE_OFFSET")
                    && c.get("path").asText().equals("sock.__sk_common.skc_state")) {
                assertEquals(0, c.get("object").asInt(), c.toString());
                assertEquals(skcState, c.get("kernel").asInt(), c.toString());
                seen = true;
            }
        }
        assertTrue(seen, "the skc_state relocation is listed");
    }
}
