package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfEditor;
import io.structops.btf.BtfException;
import io.structops.btf.BtfExt;
import io.structops.btf.BtfReader;
import io.structops.elf.BpfExtern;
import io.structops.elf.BpfObject;
import io.structops.elf.BpfObjectReader;
import io.structops.elf.BpfProgram;
import io.structops.elf.ElfFormatException;
import io.structops.elf.StructOpsVariable;
import io.structops.handler.HandlerException;
import io.structops.handler.StructOps;
import io.structops.handler.StructOpsHandler;
import io.structops.handler.StructOpsHandlers;
import io.structops.kernel.btf.KernelBtf;
import io.structops.kernvdata.KernVdataBuilder;
import io.structops.kernvdata.KernVdataException;
import io.structops.kernvdata.StructOpsPlan;
import io.structops.loader.Adoption;
import io.structops.loader.LoadException;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.Resolutions;
import io.structops.loader.StructOpsLoader;
import io.structops.loader.StructOpsRegistry;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfConstants;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import io.structops.syscall.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ServiceScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads struct_ops objects: BTF first, then each program once per (kernel struct, member) it is bound to, then the
 * maps with program descriptors in their function-pointer slots, then registration. Any failure releases all of it.
 */
/*
 * Bundle-scoped: each bundle that uses the loader gets its own instance, which knows who it serves, so that every
 * attach, swap and detach is logged with who asked for it (the shell, the deploy directory, or an API caller).
 */
@Component(service = StructOpsLoader.class, scope = ServiceScope.BUNDLE)
public class StructOpsLoaderComponent implements StructOpsLoader {
    private static final Logger LOG = LoggerFactory.getLogger(StructOpsLoaderComponent.class);

    @Reference
    private BpfObjectReader objects;
    @Reference
    private BtfReader btfReader;
    @Reference
    private KernelBtf kernel;
    @Reference
    private KernVdataBuilder vdata;
    @Reference
    private Bpf bpf;
    @Reference
    private StructOpsHandlers handlers;
    private volatile BtfFeatureProbe features;
    /** Who this instance serves, as log lines name it. */
    private volatile String requester = "a caller outside OSGi";
    /** The runtime's registry: objects handed to it are its to detach, not this instance's. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL)
    private volatile StructOpsRegistry registry;
    /** What this instance loaded for its bundle, oldest first; closed ones are dropped as new ones come. */
    private final List<Loaded> created = new CopyOnWriteArrayList<>();

    public StructOpsLoaderComponent() {
    }

    @Activate
    void activate(ComponentContext context) {
        requester = requester(context.getUsingBundle());
    }

    /**
     * The bundle this instance served stopped, or let go of the loader, or a service the loader needs went away:
     * what it loaded and kept to itself, without handing it to the registry, has no one left to detach it, so it is
     * detached now (pinned links are released and stay) rather than left attached and unseen until the JVM ends.
     */
    @Deactivate
    void deactivate() {
        StructOpsRegistry r = registry;
        List<LoadedObject> kept = r == null ? List.of() : r.objects();
        for (int i = created.size() - 1; i >= 0; i--) {
            Loaded l = created.get(i);
            if (!l.isOpen() || kept.contains(l)) {
                continue;
            }
            if (l.pinned()) {
                LOG.info("{}: released: {}, which loaded it, went away; its pinned links stay", l.name(), requester);
                l.release();
            } else {
                LOG.warn("{}: {}, which loaded it, went away without closing it; detaching", l.name(), requester);
                l.close();
            }
        }
        created.clear();
    }

    static String requester(Bundle b) {
        if (b == null) {
            return "an unknown caller";
        }
        String who = switch (b.getSymbolicName()) {
            case "io.structops.shell" -> "the shell";
            case "io.structops.deploy" -> "the deploy directory";
            default -> "bundle";
        };
        return who + " (" + b.getSymbolicName() + " " + b.getVersion() + ", bundle " + b.getBundleId() + ")";
    }

    /** For use without a framework (tests, benchmarks): no handlers, every struct takes the generic path. */
    public StructOpsLoaderComponent(BpfObjectReader objects, BtfReader btfReader, KernelBtf kernel,
            KernVdataBuilder vdata, Bpf bpf) {
        this(objects, btfReader, kernel, vdata, bpf, new HandlerTracker());
    }

    /** For use without a framework, with these handlers. */
    public StructOpsLoaderComponent(BpfObjectReader objects, BtfReader btfReader, KernelBtf kernel,
            KernVdataBuilder vdata, Bpf bpf, StructOpsHandlers handlers) {
        this.objects = objects;
        this.btfReader = btfReader;
        this.kernel = kernel;
        this.vdata = vdata;
        this.bpf = bpf;
        this.handlers = handlers;
    }

    /** A step of a handler. */
    @FunctionalInterface
    interface HandlerStep {
        void run(StructOpsHandler handler) throws HandlerException;
    }

    /**
     * Runs a handler step for {@code view}'s struct if a handler is in charge of it now. A refusal, or a handler bug,
     * becomes a LoadException naming the handler and the step.
     */
    static void consult(StructOpsHandlers handlers, StructOps view, String step, HandlerStep call)
            throws LoadException {
        Optional<StructOpsHandlers.Handler> h = handlers.handlerFor(view.struct());
        if (h.isEmpty()) {
            return;
        }
        String who = view.object() + ": map " + view.mapName() + ": " + view.struct() + " handler ("
                + h.get().bundle() + " " + h.get().version() + ") " + step + ": ";
        try {
            call.run(h.get().handler());
        } catch (HandlerException e) {
            throw new LoadException(who + e.getMessage(), null, e);
        } catch (RuntimeException e) {
            throw new LoadException(who + "handler failed: " + e, null, e);
        }
    }

    /** A step after which nothing can be undone (detach): a failure is logged, not thrown. */
    static void notify(StructOpsHandlers handlers, StructOps view, String step, HandlerStep call) {
        try {
            consult(handlers, view, step, call);
        } catch (LoadException e) {
            LOG.warn("{}", e.getMessage());
        }
    }

    private BtfFeatureProbe features() {
        BtfFeatureProbe f = features;
        if (f == null) {
            f = new BtfFeatureProbe(bpf);
            features = f;
        }
        return f;
    }

    private record Read(BpfObject object, Btf btf) {
    }

    /** Parses {@code file} once; every later step works on what it read. */
    private BpfObject parse(Path file) throws LoadException {
        try {
            return objects.read(file);
        } catch (IOException e) {
            throw new LoadException(file + ": read: " + e.getMessage(), null, e);
        } catch (ElfFormatException e) {
            throw new LoadException(file + ": read: " + e.getMessage(), null, e);
        }
    }

    /** Parses {@code contents}, read elsewhere (as the deploy directory reads a file it has checked). */
    private BpfObject parse(String name, byte[] contents) throws LoadException {
        try {
            return objects.read(name, contents);
        } catch (ElfFormatException e) {
            throw new LoadException(name + ": read: " + e.getMessage(), null, e);
        }
    }

    private Read read(BpfObject object) throws LoadException {
        try {
            return new Read(object, btfReader.read(object).orElseThrow(() -> new LoadException(object.name()
                    + ": read: the object has no .BTF section (compile with clang -g)", null, null)));
        } catch (BtfException e) {
            throw new LoadException(object.name() + ": read: " + e.getMessage(), null, e);
        }
    }

    /** Every loaded module's BTF, split on vmlinux's. */
    private List<Btf> moduleBtfs() throws BtfException {
        List<Btf> btfs = new ArrayList<>();
        for (String m : kernel.modules()) {
            kernel.module(m).ifPresent(btfs::add);
        }
        return btfs;
    }

    /** The BTF the kernel would be handed, read back: it says where extern data lies. */
    private Btf asLoaded(BpfObject object, Btf btf, byte[] encoded) throws BtfException {
        MemorySegment copy = Arena.ofAuto().allocate(encoded.length, 8);
        copy.copyFrom(MemorySegment.ofArray(encoded));
        return btfReader.read(object.name() + " (as loaded)", copy);
    }

    @Override
    public Resolutions resolve(Path file) throws LoadException {
        Read read = read(parse(file));
        BpfObject object = read.object();
        try {
            Btf vmlinux = kernel.vmlinux();
            byte[] encoded = btfReader.editForLoad(object, read.btf()).encode(ByteOrder.nativeOrder());
            KernelExterns externs = new KernelExterns(object, read.btf(), asLoaded(object, read.btf(), encoded),
                    kernel);
            KernelFunctions functions = KernelFunctions.of(object, read.btf(), kernel);
            List<Resolutions.Extern> ex = new ArrayList<>();
            for (BpfExtern e : object.externs()) {
                ex.add(externs.describe(e.name(), e.weak(), e.kconfig(), functions));
            }
            List<Resolutions.CoreRelocation> core = new ArrayList<>();
            Optional<BtfExt> ext = btfReader.readExt(object);
            CoreRelocator relocator = new CoreRelocator(read.btf(), vmlinux, this::moduleBtfs, object.name());
            for (Map.Entry<String, List<BtfExt.CoreRelo>> e : ext.map(BtfExt::coreRelos).orElse(Map.of())
                    .entrySet()) {
                for (BtfExt.CoreRelo relo : e.getValue()) {
                    CoreRelocator.Outcome o = relocator.explain(relo);
                    String access = read.btf().string(relo.accessStringOffset());
                    core.add(new Resolutions.CoreRelocation(e.getKey(), (int) (relo.insnOffset() / 8),
                            relo.kind().toString(), read.btf().name(relo.typeId()), access,
                            CoreRelocator.accessPath(read.btf(), relo.typeId(), access, relo.kind()), o.local(),
                            o.kernel() == null ? OptionalLong.empty() : OptionalLong.of(o.kernel())));
                }
            }
            core.sort(Comparator.comparing(Resolutions.CoreRelocation::section)
                    .thenComparingInt(Resolutions.CoreRelocation::instruction));
            return new Resolutions(ex, core);
        } catch (BtfException e) {
            throw new LoadException(object.name() + ": BTF: " + e.getMessage(), null, e);
        }
    }

    @Override
    public LoadedObject load(Path file, LoadOptions options) throws LoadException {
        return load(parse(file), options, null, null);
    }

    @Override
    public LoadedObject load(String name, byte[] contents, LoadOptions options) throws LoadException {
        return load(parse(name, contents), options, null, null);
    }

    @Override
    public Optional<Adoption> adopt(String name, byte[] contents, LoadOptions options, Optional<Path> pins)
            throws LoadException {
        BpfObject object = parse(name, contents);
        Adopter adopter = new Adopter(bpf);
        Map<String, Adopter.Survivor> survivors;
        try {
            survivors = new LinkedHashMap<>(adopter.find(selected(object, options), pins, heldMapIds()));
        } catch (BpfException e) {
            throw new LoadException(name + ": looking for what an earlier run left attached: " + e.getMessage(),
                    null, e);
        }
        if (survivors.isEmpty()) {
            return Optional.empty();
        }
        Loaded ours = null;
        boolean done = false;
        try {
            ours = (Loaded) load(object, new LoadOptions(options.optionalMaps(), false, options.globals(),
                    options.only(), options.arrays()), null, null, false);
            Optional<String> difference = takeOver(adopter, ours, survivors);
            done = true;
            LOG.info("{}: took over {} left attached by an earlier run{}", name, ours.maps(),
                    difference.map(d -> ", which differs from the file: " + d).orElse(""));
            return Optional.of(new Adoption(ours, difference));
        } catch (BpfException e) {
            throw new LoadException(name + ": taking over what an earlier run left attached: " + e.getMessage(),
                    null, e);
        } finally {
            survivors.values().forEach(Adopter.Survivor::close);
            if (!done && ours != null) {
                // Released, not closed: what the earlier run attached stays attached.
                ours.release();
            }
        }
    }

    /**
     * Moves each survivor into {@code ours} (removing it from {@code survivors}), then its globals and handlers;
     * returns the first difference between what is attached and what {@code ours} would attach.
     */
    private Optional<String> takeOver(Adopter adopter, Loaded ours, Map<String, Adopter.Survivor> survivors)
            throws BpfException {
        Optional<String> difference = Optional.empty();
        Map<String, Integer> programs = new LinkedHashMap<>();
        List<Loaded.MapHandle> adopted = new ArrayList<>();
        synchronized (ours) {
            for (int i = 0; i < ours.maps.size(); i++) {
                Loaded.MapHandle h = ours.maps.get(i);
                Adopter.Survivor s = survivors.remove(h.name);
                if (s == null) {
                    difference = difference.or(() -> Optional.of("map " + h.name + " is not attached"));
                    continue;
                }
                if (difference.isEmpty()) {
                    difference = adopter.difference(h, s);
                }
                Loaded.MapHandle taken = adopter.takeOver(ours, h, s);
                ours.maps.set(i, taken);
                adopted.add(taken);
                taken.info.programIds().forEach((m, id) -> programs.put(h.name + "." + m, id));
            }
            if (ours.globals != null) {
                ours.globals = ours.globals.rebound(adopter.dataMaps(ours, programs));
                adopted.forEach(h -> h.view.globals(ours.globals));
            }
            ours.dropUnused(adopted.size() == ours.maps.size());
        }
        for (Loaded.MapHandle h : adopted) {
            try {
                consult(handlers, h.view, "after attach", x -> x.afterAttach(h.view));
            } catch (LoadException e) {
                difference = difference.or(() -> Optional.of(e.getMessage()));
            }
        }
        return difference;
    }

    @Override
    public void detachRecorded(Path pin) throws LoadException {
        try {
            try (BpfFd fd = bpf.objGet(pin)) {
                new Adopter(bpf).detach(fd, pin.getFileName().toString().endsWith(Loaded.RECORDED_LINK));
            }
            Files.deleteIfExists(pin);
        } catch (BpfException | IOException e) {
            throw new LoadException(pin + ": detach what it records: " + e.getMessage(), null, e);
        }
        LOG.info("{}: detached what it recorded, and removed it", pin);
    }

    /** The struct_ops maps this runtime holds: never another's survivors. */
    private Set<Integer> heldMapIds() {
        Set<Integer> ids = new HashSet<>();
        StructOpsRegistry r = registry;
        List<LoadedObject> held = new ArrayList<>(created);
        if (r != null) {
            held.addAll(r.objects());
        }
        for (LoadedObject o : held) {
            if (o.isOpen()) {
                o.maps().forEach(m -> ids.add(m.mapId()));
            }
        }
        return ids;
    }

    @Override
    public LoadedObject swap(LoadedObject current, String mapName, Path file, LoadOptions options)
            throws LoadException {
        return swap(current, mapName, parse(file), options);
    }

    @Override
    public LoadedObject swap(LoadedObject current, String mapName, String name, byte[] contents,
            LoadOptions options) throws LoadException {
        return swap(current, mapName, parse(name, contents), options);
    }

    private LoadedObject swap(LoadedObject current, String mapName, BpfObject object, LoadOptions options)
            throws LoadException {
        String file = object.name();
        if (!(current instanceof Loaded old) || !old.isOpen()) {
            throw new LoadException(file + ": swap " + mapName + ": the current object is not one this loader holds",
                    null, null);
        }
        Loaded.MapHandle oldHandle = old.handle(mapName).orElseThrow(() -> new LoadException(file + ": swap "
                + mapName + ": " + old.name() + " has no attached link-based map of that name (legacy maps cannot"
                + " be swapped without a gap)", null, null));
        String newName = replacementName(object, mapName, options);
        // The new object is loaded, verified and its map filled, but not linked; until the link moves, the old
        // algorithm keeps running, and any failure so far leaves it as it was.
        Loaded replacement = (Loaded) load(object, options, newName, oldHandle.view);
        try {
            Loaded.MapHandle newHandle = replacement.handle(newName, false).orElseThrow(() -> new LoadException(file
                    + ": swap " + mapName + ": the object's " + newName + " is not link-based", null, null));
            if (!newHandle.info.type().equals(oldHandle.info.type())) {
                throw new LoadException(file + ": swap " + mapName + ": " + newName + " is a "
                        + newHandle.info.type() + ", not a " + oldHandle.info.type(), null, null);
            }
            consult(handlers, newHandle.view, "before swap", h -> h.beforeAttach(newHandle.view));
            boolean inPlace = true;
            // The old object must not be closed between the check and the move: a close that detached the link
            // after BPF_LINK_UPDATE had moved it would take the new map down with it.
            synchronized (old) {
                if (!old.isOpen() || !oldHandle.attached || oldHandle.link == null) {
                    throw new LoadException(file + ": swap " + mapName + ": " + old.name() + " was closed, or its map"
                            + " detached, while the new object loaded; nothing was swapped", null, null);
                }
                try {
                    bpf.linkUpdate(oldHandle.link, newHandle.map, 0);
                } catch (BpfException e) {
                    if (e.errno() != io.structops.syscall.Errno.EOPNOTSUPP
                            && e.errno() != io.structops.syscall.Errno.ENOTSUPP) {
                        throw new LoadException(file + ": swap " + mapName + ": BPF_LINK_UPDATE: " + e.getMessage(),
                                null, e);
                    }
                    inPlace = false;
                }
                if (inPlace) {
                    Loaded.moveLink(old, oldHandle, replacement, newHandle);
                } else {
                    // This struct cannot be updated in place (sched_ext): detach, then attach, and say for how long
                    // nothing was attached. If the new map will not attach, the old one is linked again.
                    try {
                        Duration gap = Loaded.detachThenAttach(bpf, old, oldHandle, replacement, newHandle);
                        LOG.info("{}: {} cannot be updated in place; detached the old map and attached the new one:"
                                + " none was attached for {} us, asked by {}", file, oldHandle.info.type(),
                                gap.toNanos() / 1000, requester);
                        notify(handlers, oldHandle.view, "after detach", h -> h.afterDetach(oldHandle.view));
                    } catch (BpfException e) {
                        throw new LoadException(file + ": swap " + mapName + ": the kernel cannot update "
                                + oldHandle.info.type() + " in place, and attaching the new map after detaching the old"
                                + " failed: " + e.getMessage() + (oldHandle.attached ? "; the old map is attached again"
                                : "; the old map could not be attached again"), null, e);
                    }
                }
            }
            try {
                consult(handlers, newHandle.view, "after swap", h -> h.afterSwap(oldHandle.view, newHandle.view));
            } catch (LoadException e) {
                // The handler says the new map must not run: the attachment goes back to the old one, still loaded.
                try {
                    if (inPlace) {
                        bpf.linkUpdate(newHandle.link, oldHandle.map, 0);
                        Loaded.moveLink(replacement, newHandle, old, oldHandle);
                    } else {
                        Loaded.detachThenAttach(bpf, replacement, newHandle, old, oldHandle);
                    }
                    LOG.warn("{}; swapped back to {}", e.getMessage(), old.name());
                } catch (BpfException back) {
                    LOG.error("{}: swap {}: could not swap back to {}: {}", file, mapName, old.name(),
                            back.getMessage());
                }
                throw e;
            }
            LOG.info("{}: {} swapped in for {} of {} (link id {}), asked by {}", file, newName, mapName, old.name(),
                    newHandle.info.linkId(), requester);
            return replacement;
        } catch (LoadException | RuntimeException e) {
            replacement.close();
            throw e;
        }
    }

    /**
     * The struct_ops variables a load creates: every non-optional one and the optional ones named, or only those
     * {@code only} names; a name the object lacks is refused, so that a typo does not silently change what is made.
     */
    private static List<StructOpsVariable> selected(BpfObject object, LoadOptions options) throws LoadException {
        List<String> optional = object.structOps().stream().filter(StructOpsVariable::optional)
                .map(StructOpsVariable::name).toList();
        for (String wanted : options.optionalMaps()) {
            if (!optional.contains(wanted)) {
                throw new LoadException(object.name() + ": --optional " + wanted + ": the object has no optional"
                        + " struct_ops map of that name (" + (optional.isEmpty() ? "it has none"
                                : "its optional maps: " + String.join(", ", optional)) + ")", null, null);
            }
        }
        List<String> all = object.structOps().stream().map(StructOpsVariable::name).toList();
        for (String wanted : options.only()) {
            if (!all.contains(wanted)) {
                throw new LoadException(object.name() + ": --only " + wanted + ": the object has no struct_ops map"
                        + " of that name (its maps: " + String.join(", ", all) + ")", null, null);
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

    /**
     * Which variable of {@code object} replaces {@code mapName}: the same-named one, or else the object's only
     * struct_ops variable (another version of a scheduler under a new name, say).
     */
    private String replacementName(BpfObject object, String mapName, LoadOptions options) throws LoadException {
        String file = object.name();
        List<String> names = selected(object, options).stream().map(StructOpsVariable::name).toList();
        if (names.contains(mapName)) {
            return mapName;
        }
        if (names.size() == 1) {
            return names.get(0);
        }
        throw new LoadException(file + ": swap " + mapName + ": the object has no struct_ops variable of that name, and "
                + (names.isEmpty() ? "none at all" : names.size() + " others (" + String.join(", ", names)
                        + "), so which one would replace it is not clear"), null, null);
    }

    /**
     * Loads {@code object}; the map named {@code unlinked} (a swap's) is filled but not linked, and its handler
     * validates it as the replacement of {@code replacing}.
     */
    private LoadedObject load(BpfObject object, LoadOptions options, String unlinked, StructOps replacing)
            throws LoadException {
        return load(object, options, unlinked, replacing, true);
    }

    /** As above; {@code validate} false skips the handlers' validation (a load that will not attach, to compare). */
    private LoadedObject load(BpfObject object, LoadOptions options, String unlinked, StructOps replacing,
            boolean validate) throws LoadException {
        String name = object.name();
        Read read = read(object);
        Btf btf = read.btf();
        List<StructOpsVariable> selected = selected(object, options);
        if (selected.isEmpty()) {
            throw new LoadException(name + ": the object has no struct_ops variable to load", null, null);
        }
        Map<String, StructOpsPlan> plans = new LinkedHashMap<>();
        for (StructOpsVariable v : selected) {
            try {
                plans.put(v.name(), vdata.plan(object, btf, v, kernel));
            } catch (KernVdataException e) {
                throw new LoadException(e.getMessage(), null, e);
            }
        }
        Map<String, StructOpsView> views = new LinkedHashMap<>();
        Set<String> globalNames = GlobalValues.names(btf);
        Map<String, String> defaults = new LinkedHashMap<>();
        Map<String, Integer> arrayDefaults = new LinkedHashMap<>();
        for (StructOpsVariable v : selected) {
            StructOpsPlan plan = plans.get(v.name());
            Btf kernelBtf;
            try {
                // The BTF the plan's type ids are in: vmlinux's, or the module's (split on vmlinux's).
                kernelBtf = kernel.btf(plan.kernelType().module()).orElseThrow(() -> new BtfException(
                        plan.kernelType().module(), "the module's BTF is gone (was it unloaded?)"));
            } catch (BtfException e) {
                throw new LoadException(name + ": kernel BTF: " + e.getMessage(), null, e);
            }
            StructOps replaced = v.name().equals(unlinked) ? replacing : null;
            StructOpsView view = new StructOpsView(name, v.link(), plan, kernelBtf, replaced);
            if (validate) {
                consult(handlers, view, "validate", h -> h.validate(view));
            }
            Prepared prepared = new Prepared(view, plan, kernelBtf, globalNames, options, defaults, arrayDefaults);
            consult(handlers, view, "prepare", h -> h.prepare(prepared));
            plans.put(v.name(), prepared.plan());
            views.put(v.name(), prepared.plan() == plan ? view
                    : new StructOpsView(name, v.link(), prepared.plan(), kernelBtf, replaced));
        }
        if (!defaults.isEmpty() || !arrayDefaults.isEmpty()) {
            LOG.debug("{}: globals the handlers set: {}, arrays they sized: {}", name, defaults, arrayDefaults);
            defaults.putAll(options.globals());
            arrayDefaults.putAll(options.arrays());
            options = new LoadOptions(options.optionalMaps(), options.attach(), defaults, options.only(),
                    arrayDefaults);
        }
        Loaded loaded = new Loaded(bpf, name, handlers, requester);
        boolean done = false;
        try {
            loadAll(object, btf, selected, plans, views, options, loaded, unlinked);
            done = true;
            created.removeIf(l -> !l.isOpen());
            created.add(loaded);
            return loaded;
        } finally {
            if (!done) {
                loaded.close();
            }
        }
    }

    private void loadAll(BpfObject object, Btf btf, List<StructOpsVariable> selected,
            Map<String, StructOpsPlan> plans, Map<String, StructOpsView> views, LoadOptions options, Loaded loaded,
            String unlinked) throws LoadException {
        String name = object.name();
        BpfFd btfFd;
        KernelExterns externs;
        Btf laidOut;
        try {
            BtfEditor edit = btfReader.editForLoad(object, btf);
            GlobalValues.resizeArrays(name, btf, edit, options.arrays());
            // clang leaves every DATASEC's offsets and size 0 for the loader to fill in from the symbols: the global
            // data maps are typed and initialised through this laid-out form, before any kind is sanitised away.
            laidOut = asLoaded(object, btf, edit.encode(ByteOrder.nativeOrder()));
            // Kinds this kernel would refuse are replaced by ones of the same size; ids and layout do not change.
            byte[] encoded = edit.sanitize(features().unsupported()).encode(ByteOrder.nativeOrder());
            btfFd = loaded.own(bpf.btfLoad(encoded, name));
            externs = new KernelExterns(object, btf, asLoaded(object, btf, encoded), kernel);
        } catch (BtfException e) {
            throw new LoadException(name + ": BTF: " + e.getMessage(), null, e);
        } catch (BpfException e) {
            throw new LoadException(name + ": load BTF: " + e.getMessage(), e.log(), e);
        }
        Optional<BtfExt> ext;
        try {
            ext = btfReader.readExt(object);
        } catch (BtfException e) {
            throw new LoadException(name + ": BTF.ext: " + e.getMessage(), null, e);
        }
        Map<String, ObjectMaps.Created> maps = ObjectMaps.create(bpf, object, laidOut, btfFd, loaded,
                options.globals(), externs);
        // A struct_ops type a module offers is named by its id in the module's BTF, which the map and each program
        // carry with a descriptor of that BTF object; the loaded object keeps those until it is closed.
        List<String> typeModules = plans.values().stream().map(p -> p.kernelType().module())
                .filter(m -> !m.equals("vmlinux")).distinct().sorted().toList();
        Map<String, Integer> typeBtfFds = new HashMap<>();
        try (ModuleBtfs typeBtfs = ModuleBtfs.open(bpf, typeModules, name)) {
            for (int i = 0; i < typeModules.size(); i++) {
                typeBtfFds.put(typeModules.get(i), typeBtfs.fd(i + 1));
            }
            typeBtfs.handTo(loaded);
        }
        ObjectGlobals globals = new ObjectGlobals(bpf, laidOut, List.copyOf(maps.values()));
        loaded.globals = globals;
        views.values().forEach(v -> v.globals(globals));
        // One program load per (program, kernel struct, member index): the kernel ties a struct_ops program to one
        // member of one struct, so a program bound to two members is loaded twice, and maps of one type share it.
        Map<String, BpfFd> programs = new HashMap<>();
        Map<String, Integer> programIds = new HashMap<>();
        KernelFunctions functions;
        try {
            functions = KernelFunctions.of(object, btf, kernel);
        } catch (BtfException e) {
            throw new LoadException(name + ": kernel BTF: " + e.getMessage(), null, e);
        }
        if (!functions.modules().isEmpty()) {
            LOG.debug("{}: calls functions of modules {}", name, functions.modules());
        }
        try (ModuleBtfs moduleBtfs = functions.open(bpf, externs.variableModules(), name)) {
            for (StructOpsVariable v : selected) {
                StructOpsPlan plan = plans.get(v.name());
                for (StructOpsPlan.Slot slot : plan.slots()) {
                    String key = programKey(slot.program(), plan, slot.memberIndex());
                    if (programs.containsKey(key)) {
                        continue;
                    }
                    BpfProgram p = object.program(slot.program()).orElseThrow();
                    BpfFd fd = loadProgram(object, btf, ext, p, plan, slot, btfFd, maps, externs, functions,
                            moduleBtfs, typeBtfFds.getOrDefault(plan.kernelType().module(), 0), loaded);
                    programs.put(key, fd);
                    loaded.programs.add(fd);
                    try {
                        programIds.put(key, bpf.progInfo(fd).id());
                    } catch (BpfException e) {
                        throw new LoadException(name + ": program " + p.name() + ": info: " + e.getMessage(), null,
                                e);
                    }
                }
            }
        }
        for (StructOpsVariable v : selected) {
            StructOpsPlan plan = plans.get(v.name());
            String where = name + ": map " + v.name();
            Loaded.MapHandle handle;
            try {
                int typeBtfFd = typeBtfFds.getOrDefault(plan.kernelType().module(), 0);
                int flags = (v.link() ? BpfConstants.F_LINK : 0)
                        | (typeBtfFd != 0 ? BpfConstants.F_VTYPE_BTF_OBJ_FD : 0);
                BpfFd map = loaded.own(bpf.mapCreate(new Bpf.MapCreate(BpfConstants.MAP_TYPE_STRUCT_OPS, v.name(), 4,
                        (int) plan.kernelType().valueSize(), 1, flags, btfFd.value(), 0, 0,
                        plan.kernelType().wrapperTypeId(), typeBtfFd, 0, 0, 0)));
                handle = new Loaded.MapHandle(v.name(), map, views.get(v.name()));
                synchronized (loaded) {
                    loaded.maps.add(handle);
                }
            } catch (BpfException e) {
                throw new LoadException(where + ": create map: " + e.getMessage(), null, e);
            }
            Map<String, Integer> ids = new LinkedHashMap<>();
            byte[] value = plan.valueWith(s -> programs.get(programKey(s.program(), plan, s.memberIndex())).value(),
                    ByteOrder.nativeOrder());
            for (StructOpsPlan.Slot s : plan.slots()) {
                ids.put(s.member(), programIds.get(programKey(s.program(), plan, s.memberIndex())));
            }
            int linkId = 0;
            boolean live = options.attach() && !(v.link() && v.name().equals(unlinked));
            if (live) {
                Loaded.MapHandle h = handle;
                consult(handlers, h.view, "before attach", x -> x.beforeAttach(h.view));
            }
            if (options.attach()) {
                try {
                    bpf.mapUpdate(handle.map, new byte[4], value, BpfConstants.ANY);
                    handle.registered = !v.link();
                } catch (BpfException e) {
                    explainLostRace(e, handle.view);
                    throw new LoadException(where + ": " + (v.link() ? "fill map" : "register") + ": "
                            + e.getMessage(), null, e);
                }
                if (v.link() && !v.name().equals(unlinked)) {
                    try {
                        handle.link = loaded.own(bpf.linkCreate(handle.map, 0, BpfConstants.ATTACH_TYPE_STRUCT_OPS,
                                0));
                        linkId = bpf.linkInfo(handle.link).id();
                    } catch (BpfException e) {
                        explainLostRace(e, handle.view);
                        throw new LoadException(where + ": attach (create link): " + e.getMessage(), null, e);
                    }
                }
            }
            try {
                handle.info = new LoadedMap(v.name(), plan.kernelType().name(), bpf.mapInfo(handle.map).id(),
                        linkId, ids);
            } catch (BpfException e) {
                throw new LoadException(where + ": info: " + e.getMessage(), null, e);
            }
            handle.view.loaded(handle.info);
            if (live) {
                handle.attached = true;
                handle.view.attached(true);
                LOG.info("{}: {} {} attached (map id {}{}), asked by {}", name, plan.kernelType().name(), v.name(),
                        handle.info.mapId(), linkId == 0 ? ", no link" : ", link id " + linkId, requester);
                Loaded.MapHandle h = handle;
                consult(handlers, h.view, "after attach", x -> x.afterAttach(h.view));
            }
        }
    }

    /**
     * EEXIST at registration means another loader registered the same thing between this load's validation and its
     * attach (eight processes loading one object at once, say): the handler, asked again now that the other one is
     * in the kernel, says which rule was broken, as it does for the loads it refuses up front.
     */
    private void explainLostRace(BpfException e, StructOps view) throws LoadException {
        if (e.errno() == Errno.EEXIST) {
            consult(handlers, view, "validate", h -> h.validate(view));
        }
    }

    /**
     * What one program load serves: a program, bound to a member of a kernel struct (named by its BTF, as two modules'
     * split ids may coincide, and its id there).
     */
    private static String programKey(String program, StructOpsPlan plan, int memberIndex) {
        return program + "/" + plan.kernelType().module() + ":" + plan.kernelType().typeId() + "/" + memberIndex;
    }

    /**
     * The verifier stops at a poisoned instruction ("N: (85) call unknown#195896080"): name what the loader could
     * not resolve there, a CO-RE relocation or a weak kernel function, as the reason the program cannot run here.
     */
    static String reachedPoison(String log, Map<Integer, String> poisoned) {
        if (poisoned.isEmpty()) {
            return null;
        }
        Matcher m = Pattern.compile("(?m)^(\\d+): \\(85\\) call unknown#\\d+\\b")
                .matcher(log);
        while (m.find()) {
            String why = poisoned.get(Integer.parseInt(m.group(1)));
            if (why != null) {
                return "instruction " + m.group(1) + " " + why;
            }
        }
        return null;
    }

    private BpfFd loadProgram(BpfObject object, Btf localBtf, Optional<BtfExt> ext, BpfProgram p,
            StructOpsPlan plan, StructOpsPlan.Slot slot, BpfFd btfFd, Map<String, ObjectMaps.Created> maps,
            KernelExterns externs, KernelFunctions functions, ModuleBtfs moduleBtfs, int typeBtfFd, Loaded loaded)
            throws LoadException {
        String where = object.name() + ": program " + p.name() + " (" + plan.kernelType().name() + "."
                + slot.member() + ")";
        long size = (long) p.instructionCount() * BpfProgram.INSTRUCTION_SIZE;
        ProgramLinker.Linked linked;
        try {
            linked = ProgramLinker.link(object, p, maps, ext, kernel.vmlinux(), this::moduleBtfs, localBtf, externs,
                    functions, moduleBtfs);
        } catch (BtfException e) {
            throw new LoadException(where + ": kernel BTF: " + e.getMessage(), null, e);
        }
        byte[] insns = linked.instructions();
        byte[] funcInfo = linked.funcInfo();
        byte[] lineInfo = linked.lineInfo();
        int funcRec = funcInfo == null ? 0 : 8;
        int lineRec = lineInfo == null ? 0 : 16;
        int flags = p.sleepable() ? BpfConstants.F_SLEEPABLE : 0;
        try {
            return loaded.own(bpf.progLoad(new Bpf.ProgLoad(BpfConstants.PROG_TYPE_STRUCT_OPS, p.name(), insns,
                    object.license(), slot.memberIndex(), plan.kernelType().typeId(), typeBtfFd, flags, btfFd.value(),
                    funcRec,
                    funcInfo, lineRec, lineInfo, moduleBtfs.fdArray())));
        } catch (BpfException e) {
            String log = e.log();
            String message = where + ": load: " + e.getMessage();
            if (!log.isEmpty()) {
                message += "; verifier: " + lastLines(log, 3);
            }
            String poison = reachedPoison(log, linked.poisoned());
            if (poison != null) {
                message += "; " + poison;
            }
            throw new LoadException(message, log, e);
        }
    }

    static String lastLines(String log, int n) {
        List<String> lines = log.lines().filter(l -> !l.isBlank()).toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
}
