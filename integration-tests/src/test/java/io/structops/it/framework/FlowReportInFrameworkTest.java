package io.structops.it.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedObject;
import io.structops.loader.StructOpsLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The example consumer bundle ({@code examples/flow-report}), written against the public API only, on the real
 * kernel: {@code tcp_cc_report.bpf.o} carries traffic, and each of its flows arrives as an OSGi event whose
 * properties are the flow's key and value members.
 */
@Tag("kernel")
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs the kernel: root")
class FlowReportInFrameworkTest {
    static final String TOPIC = "io/structops/flowreport/FLOW";

    @InjectBundleContext
    BundleContext context;

    @InjectService
    StructOpsLoader loader;

    @InjectService
    ConfigurationAdmin configAdmin;

    @Test
    void eachFlowOfTheCongestionControlArrivesAsAnEvent(@TempDir Path dir) throws Exception {
        List<Event> received = new CopyOnWriteArrayList<>();
        Dictionary<String, Object> topic = new Hashtable<>();
        topic.put(EventConstants.EVENT_TOPIC, TOPIC);
        ServiceRegistration<EventHandler> handler = context.registerService(EventHandler.class, received::add, topic);
        Configuration config = configAdmin.getConfiguration("io.structops.example.flowreport", "?");
        Dictionary<String, Object> every = new Hashtable<>();
        every.put("interval.seconds", 1L);
        config.update(every);
        Path examples = Path.of(context.getProperty("structops.examples"));
        try (LoadedObject cc = loader.load(examples.resolve("tcp_cc_report.bpf.o"), LoadOptions.defaults())) {
            Path traffic = dir.resolve("tcp_traffic");
            run(List.of(
                    "gcc",
                    "-O2",
                    "-o",
                    traffic.toString(),
                    examples.resolveSibling("kernel").resolve("tcp_traffic.c").toString()));
            run(List.of(traffic.toString(), "so_report", "262144"));
            DeployDirectoryInFrameworkTest.await(
                    "a flow is reported with its acks",
                    () -> received.stream().anyMatch(e -> e.getProperty("acked") instanceof Long a && a > 0));
            Event flow = received.stream()
                    .filter(e -> e.getProperty("acked") instanceof Long a && a > 0)
                    .findFirst()
                    .orElseThrow();
            assertEquals("structops_repor", flow.getProperty("map"), "the kernel's name of the struct_ops map");
            assertTrue((Long) flow.getProperty("local_port") > 0, flow.toString());
            assertEquals("PHASE_ACKED", flow.getProperty("phase"), "an enum by its enumerator's name");
            assertEquals("acked", flow.getProperty("tag"), "a char[] as text");
        } finally {
            config.delete();
            handler.unregister();
        }
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), cmd + ": " + out);
    }
}
