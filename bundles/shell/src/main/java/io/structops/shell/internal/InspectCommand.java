package io.structops.shell.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfReader;
import io.structops.elf.BpfObject;
import io.structops.elf.BpfObjectReader;
import io.structops.elf.StructOpsVariable;
import io.structops.kernel.btf.KernelBtf;
import io.structops.kernvdata.KernVdataBuilder;
import io.structops.loader.LoadException;
import io.structops.loader.Resolutions;
import io.structops.loader.StructOpsLoader;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** {@code structops:inspect FILE [--json]}: what an object holds, read without privileges. */
@Component(
        service = InspectCommand.class,
        property = {"osgi.command.scope=structops", "osgi.command.function=inspect"})
public class InspectCommand {

    @Reference
    private BpfObjectReader reader;

    @Reference
    private BtfReader btfReader;

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile KernelBtf kernel;

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile StructOpsLoader loader;

    /** Says what the kernel would make of each struct_ops variable, as a load matches it. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile KernVdataBuilder vdata;

    @Descriptor("show the programs, maps and struct_ops variables of a BPF object file")
    public String inspect(
            @Descriptor("print JSON instead of tables")
                    @Parameter(names = "--json", presentValue = "true", absentValue = "false")
                    boolean json,
            @Descriptor("BPF ELF object file (clang -target bpf)") String file)
            throws Exception {
        BpfObject object = read(reader, file);
        Map<String, StructOpsTypes.Description> types = new HashMap<>();
        Optional<Btf> btf = btfReader.read(object);
        if (btf.isPresent()) {
            KernelBtf k = kernel;
            for (StructOpsVariable v : object.structOps()) {
                StructOpsTypes.describe(object, v, btf.get(), k, vdata).ifPresent(d -> types.put(v.name(), d));
            }
        }
        // Externs and CO-RE resolve against the running kernel; offline (no kernel BTF) they are listed unresolved.
        Optional<Resolutions> resolutions = Optional.empty();
        StructOpsLoader l = loader;
        if (l != null && kernel != null && btf.isPresent()) {
            try {
                resolutions = Optional.of(l.resolve(Path.of(file)));
            } catch (LoadException e) {
                System.err.println("structops inspect: not resolved on this kernel: " + e.getMessage());
            }
        }
        ObjectReport.Inspection result = ObjectReport.of(object, types, resolutions);
        return json ? Json.write(result) : TextFormat.inspect(result);
    }

    static BpfObject read(BpfObjectReader reader, String file) throws Exception {
        try {
            return reader.read(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new CommandFailure(file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new CommandFailure(file + ": permission denied", e);
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + e.getMessage(), e);
        }
    }
}
