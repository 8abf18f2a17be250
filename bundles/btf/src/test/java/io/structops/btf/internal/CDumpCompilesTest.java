package io.structops.btf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The C dump compiles with clang, and the compiler agrees with BTF on the size of the type and the offset of each
 * of its members (checked with _Static_assert).
 */
class CDumpCompilesTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "tcp_congestion_ops",
                "bpf_struct_ops_tcp_congestion_ops",
                "task_struct",
                "sk_buff",
                "bpf_dummy_ops",
                "bpf_struct_ops_bpf_dummy_ops",
                "bpf_attr",
                "perf_event_attr"
            })
    void vmlinuxTypeCompilesWithItsLayout(String name, @TempDir Path dir) throws Exception {
        Btf btf = Fixtures.vmlinux();
        int id = btf.find(name, BtfKind.STRUCT)
                .orElseGet(() -> btf.find(name, BtfKind.UNION).orElseThrow());
        BtfType.Composite c = (BtfType.Composite) btf.type(id);
        String tag = (c.kind() == BtfKind.UNION ? "union " : "struct ") + name;
        StringBuilder src = new StringBuilder();
        btf.dumpC(id, src);
        src.append("_Static_assert(sizeof(")
                .append(tag)
                .append(") == ")
                .append(btf.size(id))
                .append(", \"size\");\n");
        for (BtfType.Member m : c.members()) {
            if (!m.name().isEmpty() && !m.isBitfield()) {
                src.append("_Static_assert(__builtin_offsetof(")
                        .append(tag)
                        .append(", ")
                        .append(m.name())
                        .append(") == ")
                        .append(m.byteOffset())
                        .append(", \"")
                        .append(m.name())
                        .append("\");\n");
            }
        }
        Path file = dir.resolve(name + ".c");
        Files.writeString(file, src);
        Process p = new ProcessBuilder("clang", "-target", "bpf", "-fsyntax-only", "-Wno-everything", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = p.waitFor();
        assertEquals(
                0,
                status,
                "clang rejected the C dump of " + name + ":\n"
                        + out.lines().limit(20).reduce("", (a, b) -> a + b + "\n"));
    }
}
