package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfExt;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfNames;
import io.structops.btf.BtfType;
import io.structops.elf.BpfObject;
import io.structops.elf.BpfProgram;
import io.structops.elf.StructOpsVariable;
import io.structops.loader.LoadException;
import io.structops.loader.LoadOptions;
import io.structops.loader.ObjectSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** The loader's {@link ObjectSpec}: what one parse of an object read, which every later step works on. */
record OpenedObject(BpfObject object, Btf btf, Optional<BtfExt> ext, List<StructOpsMap> structOps, Set<String> globals)
        implements ObjectSpec {

    static OpenedObject of(BpfObject object, Btf btf, Optional<BtfExt> ext) {
        List<StructOpsMap> maps = new ArrayList<>();
        for (StructOpsVariable v : object.structOps()) {
            maps.add(new StructOpsMap(v.name(), structOf(btf, v.name()), v.optional(), v.link()));
        }
        return new OpenedObject(object, btf, ext, List.copyOf(maps), Set.copyOf(GlobalValues.names(btf)));
    }

    /** The struct a struct_ops variable fills, without its flavour; empty if the BTF does not say. */
    private static String structOf(Btf btf, String variable) {
        OptionalInt var = btf.find(variable, BtfKind.VAR);
        if (var.isEmpty()) {
            return "";
        }
        int type = btf.skipQualifiers(((BtfType.Var) btf.type(var.getAsInt())).type());
        return BtfNames.withoutFlavour(btf.name(type));
    }

    @Override
    public String name() {
        return object.name();
    }

    @Override
    public List<String> programs() {
        return object.programs().stream().map(BpfProgram::name).toList();
    }

    @Override
    public List<String> selected(LoadOptions options) throws LoadException {
        return variables(options).stream().map(StructOpsVariable::name).toList();
    }

    /** The struct_ops variables a load with {@code options} creates (see {@link ObjectSpec#selected}). */
    List<StructOpsVariable> variables(LoadOptions options) throws LoadException {
        List<String> optional = structOps.stream()
                .filter(StructOpsMap::optional)
                .map(StructOpsMap::name)
                .toList();
        for (String wanted : options.optionalMaps()) {
            if (!optional.contains(wanted)) {
                throw new LoadException(
                        name() + ": --optional " + wanted + ": the object has no optional"
                                + " struct_ops map of that name ("
                                + (optional.isEmpty()
                                        ? "it has none"
                                        : "its optional maps: " + String.join(", ", optional))
                                + ")",
                        null,
                        null);
            }
        }
        List<String> all = structOps.stream().map(StructOpsMap::name).toList();
        for (String wanted : options.only()) {
            if (!all.contains(wanted)) {
                throw new LoadException(
                        name() + ": --only " + wanted + ": the object has no struct_ops map"
                                + " of that name (its maps: " + String.join(", ", all) + ")",
                        null,
                        null);
            }
        }
        List<StructOpsVariable> selected = new ArrayList<>();
        for (StructOpsVariable v : object.structOps()) {
            if (options.creates(v.name(), v.optional())) {
                selected.add(v);
            }
        }
        return selected;
    }

    @Override
    public String toString() {
        return "spec of " + name() + " " + structOps;
    }
}
