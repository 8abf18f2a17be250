package io.structops.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a guest script (integration-tests/vm/guest) in Debian sid's cloud kernel under QEMU
 * (integration-tests/vm/vm-run), with this machine's file system as the guest's root, and reads back the
 * {@code KEY=VALUE} lines it prints.
 */
final class VmGuest {
    private VmGuest() {
    }

    static Path repository() {
        return Path.of(System.getProperty("structops.examples")).getParent().getParent();
    }

    /** The cached kernel's directory (vmlinuz, config, modules/), fetched if need be. */
    static Path kernel() throws Exception {
        Process p = new ProcessBuilder(repository().resolve("integration-tests/vm/fetch-kernel").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String dir = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), "fetch-kernel failed");
        return Path.of(dir);
    }

    /**
     * The script's {@code KEY=VALUE} lines; a key printed with an empty value takes the next line, a key printed
     * twice keeps both values, a line apart. Everything the VM printed is appended to {@code output}.
     */
    static Map<String, String> run(String script, List<String> args, StringBuilder output) throws Exception {
        Path root = repository();
        List<String> command = new ArrayList<>(List.of(root.resolve("integration-tests/vm/vm-run").toString(),
                "--timeout", "900", "--", "sh", "integration-tests/vm/guest/" + script));
        command.addAll(args);
        Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.MINUTES));
        output.append(out);
        assertEquals(0, p.exitValue(), out);
        Map<String, String> values = new LinkedHashMap<>();
        List<String> lines = out.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[a-z_]+")) {
                String key = line.substring(0, eq);
                String value = line.substring(eq + 1);
                if (value.isEmpty() && i + 1 < lines.size()) {
                    value = lines.get(++i);
                }
                values.merge(key, value, (a, b) -> a + "\n" + b);
            }
        }
        return values;
    }
}
