package io.structops.it.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.slf4j.LoggerFactory;

/** The runtime's bundles, components and logging, checked inside a real Felix framework. */
class RuntimeTest {

    @InjectBundleContext
    BundleContext context;

    @Test
    void everyBundleIsActive() {
        List<String> notActive = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            boolean fragment = (b.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
            int expected = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
            if (b.getState() != expected) {
                notActive.add(b.getSymbolicName() + " is in state " + b.getState());
            }
        }
        assertEquals(List.of(), notActive);
        for (String bsn : List.of(
                "io.structops.elf",
                "io.structops.shell",
                "org.apache.felix.scr",
                "org.apache.felix.configadmin",
                "org.apache.felix.fileinstall",
                "org.apache.felix.gogo.runtime",
                "org.apache.felix.gogo.shell",
                "org.apache.felix.gogo.command")) {
            assertTrue(
                    List.of(context.getBundles()).stream().anyMatch(b -> bsn.equals(b.getSymbolicName())),
                    bsn + " is installed");
        }
    }

    @Test
    void everyComponentIsSatisfied(@InjectService ServiceComponentRuntime scr) {
        List<String> problems = new ArrayList<>();
        int ours = 0;
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
            if (description.bundle.symbolicName.startsWith("io.structops")) {
                ours++;
            }
            if (!scr.isComponentEnabled(description)) {
                problems.add(description.name + " is disabled");
                continue;
            }
            var configurations = scr.getComponentConfigurationDTOs(description);
            // A component that requires configuration (the file-based kernel BTF) waits for ConfigAdmin by design.
            if (configurations.isEmpty() && !"require".equals(description.configurationPolicy)) {
                problems.add(description.name + " has no configuration");
            }
            for (ComponentConfigurationDTO c : configurations) {
                if (c.state != ComponentConfigurationDTO.SATISFIED && c.state != ComponentConfigurationDTO.ACTIVE) {
                    problems.add(description.name + " is in state " + c.state + ", unsatisfied references: "
                            + List.of(c.unsatisfiedReferences).stream()
                                    .map(r -> r.name)
                                    .toList());
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(ours >= 3, "structops components found: " + ours);
    }

    @Test
    void slf4jHasARealProvider() {
        String factory = LoggerFactory.getILoggerFactory().getClass().getName();
        assertFalse(factory.contains("NOP") || factory.contains("Substitute"), "SLF4J provider: " + factory);
        LoggerFactory.getLogger(RuntimeTest.class).info("SLF4J provider in the framework: {}", factory);
    }
}
