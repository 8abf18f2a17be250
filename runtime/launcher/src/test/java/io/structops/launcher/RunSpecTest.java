package io.structops.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunSpecTest {
    @Test
    void whatBndExportWroteIsReadAndTheStartRulesFollowIt(@TempDir Path lib) throws Exception {
        Files.writeString(lib.resolve(RunSpec.FILE), """
                launch.bundles=jar/a-1.jar,jar/b-2.jar
                launch.system.packages=sun.misc,org.slf4j;version="2.0.17"
                launch.trace=false
                structops.main=true
                structops.launcher.serviceOnly=watcher
                structops.launcher.httpOnly=web, jetty
                """);
        RunSpec spec = RunSpec.read(lib);
        assertEquals(List.of(lib.resolve("a-1.jar"), lib.resolve("b-2.jar")), spec.bundles());
        assertEquals("sun.misc,org.slf4j;version=\"2.0.17\"", spec.systemPackages());
        assertFalse(spec.properties().containsKey("launch.trace"), "launch.* are bnd's launcher's own");
        assertEquals("true", spec.frameworkConfiguration("/s").get("structops.main"));
        assertEquals("/s", spec.frameworkConfiguration("/s").get("org.osgi.framework.storage"));

        assertTrue(spec.starts("shell", true, false));
        assertFalse(spec.starts("watcher", true, false), "one command starts no service-only bundle");
        assertTrue(spec.starts("watcher", false, false));
        assertFalse(spec.starts("jetty", false, false), "no HTTP bundle without --http");
        assertTrue(spec.starts("jetty", false, true));
    }
}
