package io.structops.kernel.btf.internal;

import io.structops.btf.BtfReader;
import io.structops.kernel.btf.KernelBtf;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Kernel BTF from files, for offline work or another kernel: present only while ConfigAdmin holds a configuration
 * for {@value #PID}, and then preferred over the running kernel's (ranking 100).
 */
@Component(
        service = KernelBtf.class,
        immediate = true,
        configurationPid = FileKernelBtf.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = "service.ranking:Integer=100")
@Designate(ocd = FileKernelBtf.Config.class)
public class FileKernelBtf extends DelegatingKernelBtf {
    static final String PID = "io.structops.kernel.btf.file";

    @ObjectClassDefinition(name = "structops kernel BTF from files")
    @interface Config {
        @AttributeDefinition(description = "A raw BTF file of vmlinux (as /sys/kernel/btf/vmlinux)")
        String vmlinux();

        @AttributeDefinition(description = "A directory of module BTF files, split on top of vmlinux", required = false)
        String modules_dir() default "";
    }

    @Reference
    private BtfReader reader;

    @Activate
    @Modified
    void activate(Config config) {
        close();
        String dir = config.modules_dir();
        open(new KernelBtfSource(reader, Path.of(config.vmlinux()), dir.isEmpty() ? null : Path.of(dir), false));
    }

    @Deactivate
    void deactivate() {
        close();
    }
}
