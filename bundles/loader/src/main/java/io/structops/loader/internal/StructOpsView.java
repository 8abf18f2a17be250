package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.handler.GlobalVariable;
import io.structops.handler.StructOps;
import io.structops.kernvdata.StructOpsPlan;
import io.structops.loader.LoadedMap;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** A struct_ops map for handlers: the planned kernel value, read through the kernel's BTF by member name. */
final class StructOpsView implements StructOps {
    private final String object;
    private final boolean linkBased;
    private final StructOpsPlan plan;
    private final Btf kernelBtf;
    private final byte[] value;
    private final Set<String> programMembers;
    private final StructOps replacing;
    private final Map<String, String> options;
    private volatile LoadedMap loaded;
    private volatile boolean attached;
    private volatile Instant attachedSince;
    private volatile ObjectGlobals globals;

    StructOpsView(
            String object,
            boolean linkBased,
            StructOpsPlan plan,
            Btf kernelBtf,
            StructOps replacing,
            Map<String, String> options) {
        this.object = object;
        this.options = options;
        this.linkBased = linkBased;
        this.plan = plan;
        this.kernelBtf = kernelBtf;
        this.value = plan.value();
        this.replacing = replacing;
        Set<String> members = new LinkedHashSet<>();
        for (StructOpsPlan.Slot s : plan.slots()) {
            members.add(s.member());
        }
        this.programMembers = Set.copyOf(members);
    }

    /** What the kernel is (or will be) given for this map. */
    StructOpsPlan plan() {
        return plan;
    }

    void loaded(LoadedMap map) {
        loaded = map;
    }

    @Override
    public String object() {
        return object;
    }

    @Override
    public String mapName() {
        return plan.variable();
    }

    @Override
    public String struct() {
        return plan.kernelType().name();
    }

    @Override
    public Map<String, String> options() {
        return options;
    }

    @Override
    public boolean linkBased() {
        return linkBased;
    }

    @Override
    public Set<String> programMembers() {
        return programMembers;
    }

    @Override
    public Optional<String> string(String name) {
        return TypedValues.stringMember(
                kernelBtf,
                plan.kernelType().typeId(),
                value,
                (int) plan.kernelType().dataOffset(),
                name);
    }

    @Override
    public OptionalLong integer(String name) {
        return TypedValues.integerMember(
                kernelBtf,
                plan.kernelType().typeId(),
                value,
                (int) plan.kernelType().dataOffset(),
                name);
    }

    void attached(boolean now) {
        if (now && !attached) {
            attachedSince = Instant.now();
        }
        attached = now;
    }

    /** When the map was last attached; empty while it is not. */
    Optional<Instant> attachedSince() {
        return attached ? Optional.ofNullable(attachedSince) : Optional.empty();
    }

    @Override
    public boolean attached() {
        return attached;
    }

    void globals(ObjectGlobals globals) {
        this.globals = globals;
    }

    @Override
    public List<GlobalVariable> globals() {
        ObjectGlobals g = globals;
        return g == null ? List.of() : g.read();
    }

    @Override
    public Optional<LoadedMap> loaded() {
        return Optional.ofNullable(loaded);
    }

    @Override
    public Optional<StructOps> replacing() {
        return Optional.ofNullable(replacing);
    }

    @Override
    public String toString() {
        return struct() + " " + mapName() + " from " + object;
    }
}
