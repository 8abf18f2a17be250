package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfReader;
import io.structops.elf.BpfObject;
import io.structops.elf.BpfObjectReader;
import io.structops.elf.ElfFormatException;
import io.structops.handler.StructOpsHandlers;
import io.structops.kernel.btf.KernelBtf;
import io.structops.kernvdata.KernVdataBuilder;
import io.structops.loader.Adoption;
import io.structops.loader.LoadException;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.ObjectSpec;
import io.structops.loader.Resolutions;
import io.structops.loader.StructOpsLoader;
import io.structops.loader.StructOpsRegistry;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
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

    /** The runtime's counts of failures and swaps, shared by every instance. */
    @Reference
    private LoadHistory history;

    private volatile LoaderServices services;
    /** Who this instance serves, as log lines name it. */
    private volatile String requester = "a caller outside OSGi";
    /** The runtime's registry: objects handed to it are its to detach, not this instance's. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL)
    private volatile StructOpsRegistry registry;
    /** What this instance loaded for its bundle, oldest first; closed ones are dropped as new ones come. */
    private final List<Loaded> created = new CopyOnWriteArrayList<>();

    public StructOpsLoaderComponent() {}

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
    public StructOpsLoaderComponent(
            BpfObjectReader objects, BtfReader btfReader, KernelBtf kernel, KernVdataBuilder vdata, Bpf bpf) {
        this(objects, btfReader, kernel, vdata, bpf, new HandlerTracker());
    }

    /** For use without a framework, with these handlers. */
    public StructOpsLoaderComponent(
            BpfObjectReader objects,
            BtfReader btfReader,
            KernelBtf kernel,
            KernVdataBuilder vdata,
            Bpf bpf,
            StructOpsHandlers handlers) {
        this.objects = objects;
        this.btfReader = btfReader;
        this.kernel = kernel;
        this.vdata = vdata;
        this.bpf = bpf;
        this.handlers = handlers;
        this.history = new LoadHistory();
    }

    private interface Operation<T> {
        T run() throws LoadException;
    }

    /** Runs an operation, counting its failure by step and cause. */
    private <T> T counted(String operation, Operation<T> op) throws LoadException {
        try {
            return op.run();
        } catch (LoadException e) {
            history.failed(operation, e);
            throw e;
        }
    }

    private LoaderServices services() {
        LoaderServices s = services;
        if (s == null) {
            s = new LoaderServices(btfReader, kernel, vdata, bpf, handlers, new BtfFeatureProbe(bpf));
            services = s;
        }
        return s;
    }

    @Override
    public ObjectSpec open(Path file) throws LoadException {
        return counted("read", () -> {
            try {
                return open(objects.read(file));
            } catch (IOException | ElfFormatException e) {
                throw new LoadException(file + ": read: " + e.getMessage(), null, e).at("read");
            }
        });
    }

    @Override
    public ObjectSpec open(String name, byte[] contents) throws LoadException {
        return counted("read", () -> {
            try {
                return open(objects.read(name, contents));
            } catch (ElfFormatException e) {
                throw new LoadException(name + ": read: " + e.getMessage(), null, e).at("read");
            }
        });
    }

    /** The one parse of the object's BTF and BTF.ext; every later step works on what it read. */
    private ObjectSpec open(BpfObject object) throws LoadException {
        try {
            Btf btf = btfReader
                    .read(object)
                    .orElseThrow(() -> new LoadException(
                            object.name() + ": read: the object has no .BTF section (compile with clang -g)",
                            null,
                            null));
            return OpenedObject.of(object, btf, btfReader.readExt(object));
        } catch (BtfException e) {
            throw new LoadException(object.name() + ": read: " + e.getMessage(), null, e);
        }
    }

    /** The spec as this loader opened it: a spec from elsewhere is opened again from nothing it can read. */
    private static OpenedObject opened(ObjectSpec spec) throws LoadException {
        if (spec instanceof OpenedObject o) {
            return o;
        }
        throw new LoadException(spec.name() + ": not opened by this loader (use StructOpsLoader.open)", null, null);
    }

    @Override
    public Resolutions resolve(ObjectSpec spec) throws LoadException {
        return new LoadSession(services(), opened(spec), LoadOptions.defaults(), LoadSession.Purpose.LOAD, requester)
                .resolve();
    }

    @Override
    public LoadedObject load(ObjectSpec spec, LoadOptions options) throws LoadException {
        return counted(
                "load",
                () -> kept(new LoadSession(services(), opened(spec), options, LoadSession.Purpose.LOAD, requester)
                        .load()));
    }

    /** What this instance loaded is remembered, so that it is detached if its bundle goes without closing it. */
    private Loaded kept(Loaded loaded) {
        created.removeIf(l -> !l.isOpen());
        created.add(loaded);
        return loaded;
    }

    @Override
    public LoadedObject swap(LoadedObject current, String mapName, ObjectSpec spec, LoadOptions options)
            throws LoadException {
        String struct = current.maps().stream()
                .filter(m -> m.name().equals(mapName))
                .map(LoadedMap::type)
                .findFirst()
                .orElse("unknown");
        try {
            LoadedObject swapped = counted(
                    "swap", () -> kept(Swap.run(services(), requester, current, mapName, opened(spec), options)));
            history.swapped(struct, "done");
            return swapped;
        } catch (LoadException e) {
            history.swapped(struct, "failed");
            throw e;
        }
    }

    @Override
    public Optional<Adoption> adopt(ObjectSpec spec, LoadOptions options, Optional<Path> pins) throws LoadException {
        return counted("adopt", () -> adoptSurvivors(spec, options, pins));
    }

    private Optional<Adoption> adoptSurvivors(ObjectSpec spec, LoadOptions options, Optional<Path> pins)
            throws LoadException {
        OpenedObject opened = opened(spec);
        String name = spec.name();
        Adopter adopter = new Adopter(bpf);
        Map<String, Adopter.Survivor> survivors;
        try {
            survivors = new LinkedHashMap<>(adopter.find(opened.variables(options), pins, heldMapIds()));
        } catch (BpfException e) {
            throw new LoadException(
                    name + ": looking for what an earlier run left attached: " + e.getMessage(), null, e);
        }
        if (survivors.isEmpty()) {
            return Optional.empty();
        }
        Loaded ours = null;
        boolean done = false;
        try {
            LoadOptions unattached =
                    new LoadOptions(options.optionalMaps(), false, options.globals(), options.only(), options.arrays());
            ours = kept(new LoadSession(services(), opened, unattached, LoadSession.Purpose.COMPARE, requester).load());
            Optional<String> difference = takeOver(adopter, ours, survivors);
            done = true;
            LOG.info(
                    "{}: took over {} left attached by an earlier run{}",
                    name,
                    ours.maps(),
                    difference.map(d -> ", which differs from the file: " + d).orElse(""));
            return Optional.of(new Adoption(ours, difference));
        } catch (BpfException e) {
            throw new LoadException(
                    name + ": taking over what an earlier run left attached: " + e.getMessage(), null, e);
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
        List<Loaded.MapHandle> handles = ours.handles();
        synchronized (ours) {
            for (Loaded.MapHandle h : handles) {
                Adopter.Survivor s = survivors.remove(h.name);
                if (s == null) {
                    difference = difference.or(() -> Optional.of("map " + h.name + " is not attached"));
                    continue;
                }
                if (difference.isEmpty()) {
                    difference = adopter.difference(h, s);
                }
                Loaded.MapHandle taken = adopter.takeOver(ours, h, s);
                adopted.add(taken);
                taken.info().programIds().forEach((m, id) -> programs.put(h.name + "." + m, id));
            }
            Map<String, BpfFd> survivorData = adopter.dataMaps(ours, programs);
            Map<String, Integer> survivorIds = new LinkedHashMap<>();
            for (Map.Entry<String, BpfFd> e : survivorData.entrySet()) {
                survivorIds.put(e.getKey(), bpf.mapInfo(e.getValue()).id());
            }
            ours.rebindDataMaps(survivorIds);
            if (ours.globals != null) {
                ours.globals = ours.globals.rebound(survivorData);
                adopted.forEach(h -> h.view.globals(ours.globals));
            }
            ours.dropUnused(adopted.size() == handles.size());
        }
        for (Loaded.MapHandle h : adopted) {
            try {
                HandlerSteps.consult(handlers, h.view, "after attach", x -> x.afterAttach(h.view));
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
}
