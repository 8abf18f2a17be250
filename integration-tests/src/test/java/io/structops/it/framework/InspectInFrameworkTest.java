package io.structops.it.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.elf.BpfObject;
import io.structops.elf.BpfObjectReader;
import io.structops.elf.StructOpsVariable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/** The reader as a service and the inspect command through Gogo, as other bundles and users reach them. */
class InspectInFrameworkTest {

    @InjectBundleContext
    BundleContext context;

    private Path example(String name) {
        return Path.of(context.getProperty("structops.examples"), name);
    }

    @Test
    void readerServiceReadsAnExample(@InjectService BpfObjectReader reader) throws Exception {
        BpfObject object = reader.read(example("tcp_cc_link.bpf.o"));
        StructOpsVariable v = object.structOpsVariable("structops_fixed").orElseThrow();
        assertTrue(v.link());
        assertEquals(5, v.slots().size());
    }

    @Test
    void inspectCommandRunsInGogo(@InjectService CommandProcessor processor) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(out, true)) {
            CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), ps, ps);
            Object result = session.execute("structops:inspect --json '" + example("dummy_ops.bpf.o") + "'");
            session.close();
            String json = String.valueOf(result);
            assertTrue(json.contains("\"name\": \"structops_dummy\""), json);
            assertTrue(json.contains("\"program\": \"dummy_sleepable\""), json);
        }
    }
}
