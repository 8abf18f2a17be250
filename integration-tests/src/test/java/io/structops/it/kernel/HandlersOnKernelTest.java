package io.structops.it.kernel;

import static io.structops.it.kernel.StructOpsOnKernelTest.available;
import static io.structops.it.kernel.StructOpsOnKernelTest.awaitGone;
import static io.structops.it.kernel.StructOpsOnKernelTest.programIds;
import static io.structops.it.kernel.StructOpsOnKernelTest.removePins;
import static io.structops.it.kernel.StructOpsOnKernelTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.structops.it.cli.Launcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The tcp_congestion_ops handler and live swap, through the launcher as a user runs them: one-shot commands and a
 * shell session fed on stdin.
 */
@Tag("kernel")
class HandlersOnKernelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The JSON documents a shell session printed, in order. Its stdout also holds prompts ("g! ") and text; a
     * document starts with '[' or '{' and ends at the first line that closes it at column 0, as the commands print.
     */
    static List<JsonNode> documents(String out) throws Exception {
        List<JsonNode> docs = new java.util.ArrayList<>();
        StringBuilder doc = null;
        for (String line : out.split("\n")) {
            while (line.startsWith("g! ")) {
                line = line.substring(3);
            }
            if (doc == null && (line.startsWith("[") || line.startsWith("{"))) {
                doc = new StringBuilder();
            }
            if (doc != null) {
                doc.append(line).append('\n');
                if (line.equals("]") || line.equals("}") || line.equals("[]")) {
                    docs.add(JSON.readTree(doc.toString()));
                    doc = null;
                }
            }
        }
        return docs;
    }

    @Test
    void theHandlerRefusesANameTakenBeforeAnythingIsLoaded() throws Exception {
        Path pins = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "structops-it");
        try {
            assertEquals(
                    0,
                    Launcher.run("load", Launcher.example("tcp_cc_link.bpf.o").toString(), "--pin", pins.toString())
                            .status());
            Set<Integer> before = programIds();
            Launcher.Result again =
                    Launcher.run("load", Launcher.example("tcp_cc_link.bpf.o").toString());
            assertEquals(1, again.status());
            assertTrue(
                    again.err().contains("tcp_congestion_ops handler (io.structops.handler.tcpcc")
                            && again.err()
                                    .contains("validate: a congestion control named structops_fixed is already"
                                            + " registered"),
                    again.err());
            assertEquals(before, programIds(), "the handler refused before any program was loaded");
            assertEquals(0, Launcher.run("unload", "structops_fixed").status());
        } finally {
            removePins(pins);
        }
    }

    /**
     * Eight processes load one object at once: one wins; every loser reads the handler's rule, whether it lost at
     * validation or (registered by the winner in between) at the kernel's EEXIST, which the handler then explains.
     */
    @Test
    void parallelLoadsOfOneObjectGiveEveryLoserTheHandlersRule() throws Exception {
        List<Path> pins = new java.util.ArrayList<>();
        try {
            List<java.util.concurrent.CompletableFuture<Launcher.Result>> runs = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Path pin = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "structops-race");
                pins.add(pin);
                runs.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return Launcher.run(
                                "load", Launcher.example("tcp_cc_link.bpf.o").toString(), "--pin", pin.toString());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            int won = 0;
            for (var run : runs) {
                Launcher.Result r = run.join();
                if (r.status() == 0) {
                    won++;
                } else {
                    assertEquals(1, r.status(), r.err());
                    assertTrue(
                            r.err().contains("a congestion control named structops_fixed is already registered"),
                            "a loser reads the rule, not a bare errno: " + r.err());
                }
            }
            assertEquals(1, won, "exactly one load wins");
            assertEquals(0, Launcher.run("unload", "structops_fixed").status());
        } finally {
            for (Path pin : pins) {
                removePins(pin);
            }
        }
    }

    @Test
    void aShellSessionSwapsUnderItsHandlerAndListsIt() throws Exception {
        Set<Integer> before = programIds();
        String link = Launcher.example("tcp_cc_link.bpf.o").toString();
        String v2 = Launcher.example("tcp_cc_link_v2.bpf.o").toString();
        String reject = Launcher.example("tcp_cc_reject.bpf.o").toString();
        Launcher.Result r = Launcher.run(
                Map.of(),
                String.join(
                        "\n",
                        "load --json " + link,
                        "swap structops_fixed " + reject,
                        "list --json",
                        "swap --json structops_fixed " + v2,
                        "list --json",
                        "handlers --json",
                        "unload structops_fixed",
                        "handlers --json",
                        ""));
        assertEquals(0, r.status(), r.err());
        List<JsonNode> docs = documents(r.out());
        assertEquals(6, docs.size(), r.out());
        int firstMap = docs.get(0).get("maps").get(0).get("mapId").asInt();
        int linkId = docs.get(0).get("maps").get(0).get("linkId").asInt();
        // The refused swap (the verifier rejects the new object) left the first map attached and managed.
        JsonNode listed = find(docs.get(1), firstMap);
        assertEquals(
                "io.structops.handler.tcpcc",
                listed.get("handler").get("bundle").asText());
        assertEquals("structops_fixed", listed.get("status").get("algorithm").asText());
        assertTrue(listed.get("status").get("available").asBoolean());
        // Fed from a pipe, the shell reports a failed command as one line on stderr and goes on.
        assertTrue(
                r.err().contains("structops swap: ")
                        && r.err().contains("structops_fixed from " + link + " stays attached"),
                r.err());
        // The swap kept the link and moved it to the new map.
        JsonNode swapped = docs.get(2);
        assertEquals(linkId, swapped.get("linkId").asInt());
        assertEquals(firstMap, swapped.get("previous").get("mapId").asInt());
        int secondMap = swapped.get("current").get("mapId").asInt();
        assertEquals(linkId, find(docs.get(3), secondMap).get("linkId").asInt());
        assertEquals(null, find(docs.get(3), firstMap), "the old map is released once nothing of it is attached");
        JsonNode handler = handlerOf(docs.get(4), "tcp_congestion_ops");
        assertEquals("io.structops.handler.tcpcc", handler.get("bundle").asText());
        assertEquals("[\"structops_fixed\"]", handler.get("maps").toString());
        assertEquals(
                "[]", handlerOf(docs.get(5), "tcp_congestion_ops").get("maps").toString());
        assertEquals(
                "io.structops.handler.schedext",
                handlerOf(docs.get(5), "sched_ext_ops").get("bundle").asText());
        assertFalse(available("structops_fixed"));
        awaitGone(before);
    }

    private static JsonNode handlerOf(JsonNode handlers, String struct) {
        for (JsonNode h : handlers) {
            if (h.get("struct").asText().equals(struct)) {
                return h;
            }
        }
        throw new AssertionError("no handler for " + struct + " in " + handlers);
    }

    private static JsonNode find(JsonNode list, int mapId) {
        for (JsonNode m : list) {
            if (m.get("id").asInt() == mapId) {
                return m;
            }
        }
        return null;
    }
}
