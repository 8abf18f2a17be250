package io.structops.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void argumentsReachGogoLiterally() {
        assertEquals(
                " inspect a/b.o --json", CommandRunnerComponent.commandLine(List.of("inspect", "a/b.o", "--json")));
        assertEquals(" 'my file.o' '$HOME' ''", CommandRunnerComponent.commandLine(List.of("my file.o", "$HOME", "")));
        assertEquals(" 'it'\\''s $x'", CommandRunnerComponent.commandLine(List.of("it's $x")));
    }

    @Test
    void assignmentsSplitAtCommasOutsideAnArraysBrackets() throws Exception {
        assertEquals(List.of("a=1", "pair_cpu=[1,0]", "b=x"), StructOpsCommands.assignments("a=1,pair_cpu=[1,0],b=x"));
        Map<String, String> globals = StructOpsCommands.globals("o.bpf.o", "pair_cpu=[1, 0],pair_id=[0,0]");
        assertEquals(Map.of("pair_cpu", "[1, 0]", "pair_id", "[0,0]"), globals);
        assertEquals(
                " load o.bpf.o --set 'pair_cpu=[1,0]'",
                CommandRunnerComponent.commandLine(List.of("load", "o.bpf.o", "--set", "pair_cpu=[1,0]")));
    }

    @Test
    void jsonEscapesAndKeepsOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", "q\"\\\n\u0001");
        m.put("a", List.of(1, true));
        m.put("n", null);
        assertEquals(
                "{\n  \"b\": \"q\\\"\\\\\\n\\u0001\",\n  \"a\": [\n    1,\n    true\n  ],\n  \"n\": null\n}",
                Json.write(m));
    }
}
