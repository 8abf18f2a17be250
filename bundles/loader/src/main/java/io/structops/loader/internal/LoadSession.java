package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfEditor;
import io.structops.btf.BtfException;
import io.structops.btf.BtfExt;
import io.structops.elf.BpfExtern;
import io.structops.elf.BpfProgram;
import io.structops.elf.StructOpsVariable;
import io.structops.handler.StructOps;
import io.structops.kernvdata.KernVdataException;
import io.structops.kernvdata.StructOpsPlan;
import io.structops.loader.LoadException;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedMap;
import io.structops.loader.Resolutions;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfConstants;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import io.structops.syscall.Errno;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One load of one {@link OpenedObject}, in libbpf's order of steps, each a method named for what it does:
 *
 * <ol>
 * <li>{@link #selectMaps} and {@link #planStructs}: which struct_ops maps, their kern_vdata plans, and what the
 * handlers say of them (validate, prepare);
 * <li>{@link #layOutBtf}: the object's BTF as the kernel will see it (data sections laid out, arrays resized),
 * and the externs resolved against it;
 * <li>{@link #loadBtf}, {@link #createDataMaps}, {@link #openStructModules}, {@link #loadPrograms},
 * {@link #createStructOpsMaps}: what is created in the kernel, owned by one {@link Loaded};
 * <li>{@link #attach}: registration or a link, map by map, with the handlers' before and after steps.
 * </ol>
 *
 * {@link #resolve} is the same session stopped after {@link #layOutBtf}. A failure anywhere closes the
 * {@link Loaded}, which releases everything in reverse order: rollback has one place.
 */
final class LoadSession {
    private static final Logger LOG = LoggerFactory.getLogger(LoadSession.class);

    /** Why a load happens, beyond the options: a swap's replacement, or a comparison before adoption. */
    record Purpose(String unlinked, StructOps replacing, boolean validate) {
        static final Purpose LOAD = new Purpose(null, null, true);
        /** Loaded to compare with what an earlier run left: not attached, and the handlers' validation skipped. */
        static final Purpose COMPARE = new Purpose(null, null, false);

        /** A swap's: the map {@code unlinked} is filled but not linked, and validated as replacing {@code old}. */
        static Purpose replacing(String unlinked, StructOps old) {
            return new Purpose(unlinked, old, true);
        }
    }

    private final LoaderServices services;
    private final Bpf bpf;
    private final OpenedObject spec;
    private final String name;
    private final Purpose purpose;
    private final String requester;
    private LoadOptions options;

    private List<StructOpsVariable> selected;
    private final Map<String, StructOpsPlan> plans = new LinkedHashMap<>();
    private final Map<String, StructOpsView> views = new LinkedHashMap<>();
    /** The BTF laid out for the kernel, in the object's byte order, and the editor that made it. */
    private BtfEditor edit;

    private Btf laidOut;
    private KernelExterns externs;
    private KernelFunctions functions;

    private Loaded loaded;
    private BpfFd btfFd;
    private Map<String, ObjectMaps.Created> dataMaps;
    /** Descriptors of the modules' BTF whose struct_ops types the maps are of, by module. */
    private final Map<String, Integer> structModuleFds = new HashMap<>();
    /** One program load per (program, kernel struct, member index), by {@link #programKey}. */
    private final Map<String, BpfFd> programs = new HashMap<>();

    private final Map<String, Integer> programIds = new HashMap<>();

    LoadSession(LoaderServices services, OpenedObject spec, LoadOptions options, Purpose purpose, String requester) {
        this.services = services;
        this.bpf = services.bpf();
        this.spec = spec;
        this.name = spec.name();
        this.options = options;
        this.purpose = purpose;
        this.requester = requester;
    }

    /** Runs every step; the result is attached as the options say. */
    Loaded load() throws LoadException {
        step("select maps", this::selectMaps);
        step("plan structs", this::planStructs);
        step("lay out BTF", this::layOutBtf);
        loaded = new Loaded(bpf, name, services.handlers(), requester);
        boolean done = false;
        try {
            step("load BTF", this::loadBtf);
            step("create data maps", this::createDataMaps);
            step("open struct modules", this::openStructModules);
            step("load programs", this::loadPrograms);
            step("create struct_ops maps", this::createStructOpsMaps);
            step("attach", this::attach);
            done = true;
            return loaded;
        } finally {
            if (!done) {
                loaded.close();
            }
        }
    }

    private interface Step {
        void run() throws LoadException;
    }

    /** Runs one step; a failure says which (for metrics by cause; the message says it in words already). */
    private static void step(String step, Step s) throws LoadException {
        try {
            s.run();
        } catch (LoadException e) {
            throw e.at(step);
        }
    }

    /** What the externs and CO-RE relocations resolve to: the steps up to {@link #layOutBtf}, nothing created. */
    Resolutions resolve() throws LoadException {
        layOutBtf();
        List<Resolutions.Extern> ex = new ArrayList<>();
        for (BpfExtern e : spec.object().externs()) {
            ex.add(externs.describe(e.name(), e.weak(), e.kconfig(), functions));
        }
        Btf btf = spec.btf();
        List<Resolutions.CoreRelocation> core = new ArrayList<>();
        try {
            CoreRelocator relocator = new CoreRelocator(btf, services.kernel().vmlinux(), services::moduleBtfs, name);
            for (Map.Entry<String, List<BtfExt.CoreRelo>> e :
                    spec.ext().map(BtfExt::coreRelos).orElse(Map.of()).entrySet()) {
                for (BtfExt.CoreRelo relo : e.getValue()) {
                    CoreRelocator.Outcome o = relocator.explain(relo);
                    String access = btf.string(relo.accessStringOffset());
                    core.add(new Resolutions.CoreRelocation(
                            e.getKey(),
                            (int) (relo.insnOffset() / 8),
                            relo.kind().toString(),
                            btf.name(relo.typeId()),
                            access,
                            CoreRelocator.accessPath(btf, relo.typeId(), access, relo.kind()),
                            o.local(),
                            o.kernel() == null ? OptionalLong.empty() : OptionalLong.of(o.kernel())));
                }
            }
        } catch (BtfException e) {
            throw new LoadException(name + ": BTF: " + e.getMessage(), null, e);
        }
        core.sort(Comparator.comparing(Resolutions.CoreRelocation::section)
                .thenComparingInt(Resolutions.CoreRelocation::instruction));
        return new Resolutions(ex, core);
    }

    /** Step: the struct_ops variables the options select; at least one. */
    private void selectMaps() throws LoadException {
        selected = spec.variables(options);
        if (selected.isEmpty()) {
            throw new LoadException(name + ": the object has no struct_ops variable to load", null, null);
        }
    }

    /**
     * Step: each selected variable's kern_vdata plan against the kernel's struct, checked by its handler (validate)
     * and adjusted by it (prepare: members, globals, array sizes it defaults). The handlers' defaults join the
     * options here, below what the user set.
     */
    private void planStructs() throws LoadException {
        Map<String, String> defaults = new LinkedHashMap<>();
        Map<String, Integer> arrayDefaults = new LinkedHashMap<>();
        Set<String> structs = new TreeSet<>();
        for (StructOpsVariable v : selected) {
            StructOpsPlan plan;
            Btf kernelBtf;
            try {
                plan = services.vdata().plan(spec.object(), spec.btf(), v, services.kernel());
                // The BTF the plan's type ids are in: vmlinux's, or the module's (split on vmlinux's).
                kernelBtf = services.kernel()
                        .btf(plan.kernelType().module())
                        .orElseThrow(() -> new BtfException(
                                plan.kernelType().module(), "the module's BTF is gone (was it unloaded?)"));
            } catch (KernVdataException e) {
                throw new LoadException(e.getMessage(), null, e);
            } catch (BtfException e) {
                throw new LoadException(name + ": kernel BTF: " + e.getMessage(), null, e);
            }
            structs.add(plan.kernelType().name());
            StructOps replaced = v.name().equals(purpose.unlinked()) ? purpose.replacing() : null;
            StructOpsView view = new StructOpsView(name, v.link(), plan, kernelBtf, replaced, options.options());
            if (purpose.validate()) {
                HandlerSteps.consult(services.handlers(), view, "validate", h -> h.validate(view));
            }
            Prepared prepared = new Prepared(view, plan, kernelBtf, spec.globals(), options, defaults, arrayDefaults);
            HandlerSteps.consult(services.handlers(), view, "prepare", h -> h.prepare(prepared));
            plans.put(v.name(), prepared.plan());
            views.put(
                    v.name(),
                    prepared.plan() == plan
                            ? view
                            : new StructOpsView(
                                    name, v.link(), prepared.plan(), kernelBtf, replaced, options.options()));
        }
        requireOptionsClaimed(structs);
        if (!defaults.isEmpty() || !arrayDefaults.isEmpty()) {
            LOG.debug("{}: globals the handlers set: {}, arrays they sized: {}", name, defaults, arrayDefaults);
            defaults.putAll(options.globals());
            arrayDefaults.putAll(options.arrays());
            options = new LoadOptions(
                    options.optionalMaps(),
                    options.attach(),
                    defaults,
                    options.only(),
                    arrayDefaults,
                    options.filled(),
                    options.options());
        }
    }

    /**
     * Every handler option belongs to the handler of one of the loaded maps' structs (its {@code optionPrefix}): a
     * misspelt key, or one for a struct the object does not have, is refused by name rather than ignored.
     */
    private void requireOptionsClaimed(Set<String> structs) throws LoadException {
        List<String> prefixes = structs.stream()
                .map(s -> services.handlers().handlerFor(s))
                .flatMap(Optional::stream)
                .map(h -> h.handler().optionPrefix())
                .filter(p -> !p.isEmpty())
                .toList();
        for (String key : options.options().keySet()) {
            if (prefixes.stream().noneMatch(key::startsWith)) {
                throw new LoadException(
                        name + ": option " + key + ": no handler of the object's structs ("
                                + String.join(", ", structs) + ") reads it"
                                + (prefixes.isEmpty()
                                        ? ""
                                        : "; they read options starting " + String.join(" or ", prefixes)),
                        null,
                        null);
            }
        }
    }

    /**
     * Step: the object's BTF as the kernel will be handed it. clang leaves every DATASEC's offsets and size 0 for the
     * loader to fill in from the symbols; the global data maps are typed and initialised through this laid-out
     * form, and the externs resolved against it.
     */
    private void layOutBtf() throws LoadException {
        try {
            edit = services.btfReader().editForLoad(spec.object(), spec.btf());
            GlobalValues.resizeArrays(spec.object(), spec.btf(), edit, options.arrays());
            laidOut = edit.view(name + " (as loaded)");
            externs = new KernelExterns(spec.object(), spec.btf(), laidOut, services.kernel());
            functions = KernelFunctions.of(spec.object(), spec.btf(), services.kernel());
        } catch (BtfException e) {
            throw new LoadException(name + ": BTF: " + e.getMessage(), null, e);
        }
    }

    /** Step: BPF_BTF_LOAD, with the kinds this kernel would refuse replaced by ones of the same size. */
    private void loadBtf() throws LoadException {
        try {
            byte[] encoded = edit.sanitize(services.features().unsupported()).encode(ByteOrder.nativeOrder());
            btfFd = loaded.own(bpf.btfLoad(encoded, name));
        } catch (BtfException e) {
            throw new LoadException(name + ": BTF: " + e.getMessage(), null, e);
        } catch (BpfException e) {
            throw new LoadException(name + ": load BTF: " + e.getMessage(), e.log(), e);
        }
    }

    /** Step: the {@code .maps} maps and the global data maps, filled; the views read globals through them. */
    private void createDataMaps() throws LoadException {
        dataMaps = ObjectMaps.create(bpf, spec.object(), laidOut, btfFd, loaded, options, externs);
        Map<String, Loaded.DataMap> ids = new LinkedHashMap<>();
        for (Map.Entry<String, ObjectMaps.Created> e : dataMaps.entrySet()) {
            try {
                ids.put(
                        e.getKey(),
                        new Loaded.DataMap(
                                e.getValue().name(),
                                bpf.mapInfo(e.getValue().fd()).id()));
            } catch (BpfException x) {
                throw new LoadException(name + ": map " + e.getKey() + ": info: " + x.getMessage(), null, x);
            }
        }
        loaded.dataMaps(ids);
        ObjectGlobals globals = new ObjectGlobals(bpf, laidOut, List.copyOf(dataMaps.values()));
        loaded.globals = globals;
        views.values().forEach(v -> v.globals(globals));
    }

    /**
     * Step: a struct_ops type a module offers is named by its id in the module's BTF, which the map and each program
     * carry with a descriptor of that BTF object; the loaded object keeps those until it is closed.
     */
    private void openStructModules() throws LoadException {
        List<String> modules = plans.values().stream()
                .map(p -> p.kernelType().module())
                .filter(m -> !m.equals("vmlinux"))
                .distinct()
                .sorted()
                .toList();
        try (ModuleBtfs typeBtfs = ModuleBtfs.open(bpf, modules, name)) {
            for (int i = 0; i < modules.size(); i++) {
                structModuleFds.put(modules.get(i), typeBtfs.fd(i + 1));
            }
            typeBtfs.handTo(loaded);
        }
    }

    /**
     * Step: every program a selected map names, linked and loaded. The kernel ties a struct_ops program to one
     * member of one struct, so a program bound to two members is loaded twice, and maps of one type share it.
     */
    private void loadPrograms() throws LoadException {
        if (!functions.modules().isEmpty()) {
            LOG.debug("{}: calls functions of modules {}", name, functions.modules());
        }
        try (ModuleBtfs moduleBtfs = functions.open(bpf, externs.variableModules(), name)) {
            LinkContext context = new LinkContext(
                    spec.object(),
                    spec.btf(),
                    spec.ext(),
                    dataMaps,
                    services.kernel().vmlinux(),
                    services::moduleBtfs,
                    externs,
                    functions,
                    moduleBtfs);
            for (StructOpsVariable v : selected) {
                StructOpsPlan plan = plans.get(v.name());
                for (StructOpsPlan.Slot slot : plan.slots()) {
                    String key = programKey(slot.program(), plan, slot.memberIndex());
                    if (!programs.containsKey(key)) {
                        loadProgram(key, context, plan, slot);
                    }
                }
            }
        } catch (BtfException e) {
            throw new LoadException(name + ": kernel BTF: " + e.getMessage(), null, e);
        }
    }

    private void loadProgram(String key, LinkContext context, StructOpsPlan plan, StructOpsPlan.Slot slot)
            throws LoadException {
        BpfProgram p = spec.object().program(slot.program()).orElseThrow();
        String where = name + ": program " + p.name() + " (" + plan.kernelType().name() + "." + slot.member() + ")";
        ProgramLinker.Linked linked = ProgramLinker.link(context, p);
        byte[] funcInfo = linked.funcInfo();
        byte[] lineInfo = linked.lineInfo();
        int flags = p.sleepable() ? BpfConstants.F_SLEEPABLE : 0;
        BpfFd fd;
        try {
            fd = loaded.own(bpf.progLoad(new Bpf.ProgLoad(
                    BpfConstants.PROG_TYPE_STRUCT_OPS,
                    p.name(),
                    linked.instructions(),
                    spec.object().license(),
                    slot.memberIndex(),
                    plan.kernelType().typeId(),
                    structModuleFd(plan),
                    flags,
                    btfFd.value(),
                    funcInfo == null ? 0 : 8,
                    funcInfo,
                    lineInfo == null ? 0 : 16,
                    lineInfo,
                    context.moduleBtfs().fdArray())));
        } catch (BpfException e) {
            throw new LoadException(refusal(where, e, linked.poisoned()), e.log(), e);
        }
        programs.put(key, fd);
        loaded.programs.add(fd);
        bindReadOnlyData(fd, where);
        try {
            programIds.put(key, bpf.progInfo(fd).id());
        } catch (BpfException e) {
            throw new LoadException(where + ": info: " + e.getMessage(), null, e);
        }
    }

    /**
     * As libbpf does, the object's {@code .rodata} stays with every program, named by its instructions or not: bpftool
     * shows a program's {@code bpf_metadata_} variables from there. A kernel that cannot bind it (before 5.10) loses
     * only that, so a refusal is logged, not raised.
     */
    private void bindReadOnlyData(BpfFd program, String where) {
        for (ObjectMaps.Created m : dataMaps.values()) {
            if (m.globalData() && m.section().equals(".rodata")) {
                try {
                    bpf.progBindMap(program, m.fd());
                } catch (BpfException e) {
                    LOG.debug("{}: .rodata not bound to the program: {}", where, e.getMessage());
                }
            }
        }
    }

    /** The verifier's refusal in one line: its last words, and what the loader poisoned if it stopped there. */
    private static String refusal(String where, BpfException e, Map<Integer, String> poisoned) {
        String log = e.log();
        String message = where + ": load: " + e.getMessage();
        if (!log.isEmpty()) {
            message += "; verifier: " + lastLines(log, 3);
        }
        String poison = reachedPoison(log, poisoned);
        return poison == null ? message : message + "; " + poison;
    }

    /** Step: one BPF_MAP_TYPE_STRUCT_OPS map per selected variable, of the kernel's value type, not yet filled. */
    private void createStructOpsMaps() throws LoadException {
        for (StructOpsVariable v : selected) {
            StructOpsPlan plan = plans.get(v.name());
            int typeBtfFd = structModuleFd(plan);
            int flags = (v.link() ? BpfConstants.F_LINK : 0) | (typeBtfFd != 0 ? BpfConstants.F_VTYPE_BTF_OBJ_FD : 0);
            try {
                BpfFd map = loaded.own(bpf.mapCreate(new Bpf.MapCreate(
                        BpfConstants.MAP_TYPE_STRUCT_OPS,
                        v.name(),
                        4,
                        (int) plan.kernelType().valueSize(),
                        1,
                        flags,
                        btfFd.value(),
                        0,
                        0,
                        plan.kernelType().wrapperTypeId(),
                        typeBtfFd,
                        0,
                        0,
                        0)));
                loaded.addMap(v.name(), map, views.get(v.name()));
            } catch (BpfException e) {
                throw new LoadException(name + ": map " + v.name() + ": create map: " + e.getMessage(), null, e);
            }
        }
    }

    /**
     * Step: each map filled with its programs' descriptors, registered (legacy) or linked, unless the options say
     * not to attach or it is a swap's replacement, which the swap links itself.
     */
    private void attach() throws LoadException {
        for (Loaded.MapHandle h : loaded.handles()) {
            StructOpsVariable v = spec.object().structOpsVariable(h.name).orElseThrow();
            StructOpsPlan plan = plans.get(h.name);
            boolean replacement = h.name.equals(purpose.unlinked());
            boolean live = options.attach() && !replacement;
            if (live) {
                HandlerSteps.consult(services.handlers(), h.view, "before attach", x -> x.beforeAttach(h.view));
            }
            int linkId = 0;
            if (options.attach() && replacement && !v.link()) {
                // A legacy map's update registers it: the swap does that when it attaches the replacement.
                loaded.registrationDeferred(h, value(plan));
            } else if (options.attach()) {
                fill(h, v, plan);
                if (v.link() && !replacement) {
                    linkId = link(h);
                }
            }
            describe(h, plan, linkId);
            if (live) {
                loaded.attached(h);
                LOG.info(
                        "{}: {} {} attached (map id {}{}), asked by {}",
                        name,
                        plan.kernelType().name(),
                        h.name,
                        h.info().mapId(),
                        linkId == 0 ? ", no link" : ", link id " + linkId,
                        requester);
                HandlerSteps.consult(services.handlers(), h.view, "after attach", x -> x.afterAttach(h.view));
            }
        }
    }

    /** The map's value: the plan's, with the program descriptors in its function pointers. */
    private byte[] value(StructOpsPlan plan) {
        return plan.valueWith(
                s -> programs.get(programKey(s.program(), plan, s.memberIndex()))
                        .value(),
                ByteOrder.nativeOrder());
    }

    /** The map filled with its {@link #value}; for a legacy map, that registers it. */
    private void fill(Loaded.MapHandle h, StructOpsVariable v, StructOpsPlan plan) throws LoadException {
        byte[] value = value(plan);
        try {
            bpf.mapUpdate(h.map, new byte[4], value, BpfConstants.ANY);
            if (!v.link()) {
                loaded.registered(h, value);
            }
        } catch (BpfException e) {
            explainLostRace(e, h.view);
            throw new LoadException(
                    name + ": map " + h.name + ": " + (v.link() ? "fill map" : "register") + ": " + e.getMessage(),
                    null,
                    e);
        }
    }

    /** A link to the filled map: what attaches a {@code .struct_ops.link} map. Returns the link's id. */
    private int link(Loaded.MapHandle h) throws LoadException {
        try {
            loaded.linked(h, bpf.linkCreate(h.map, 0, BpfConstants.ATTACH_TYPE_STRUCT_OPS, 0));
            return bpf.linkInfo(h.link()).id();
        } catch (BpfException e) {
            explainLostRace(e, h.view);
            throw new LoadException(name + ": map " + h.name + ": attach (create link): " + e.getMessage(), null, e);
        }
    }

    private void describe(Loaded.MapHandle h, StructOpsPlan plan, int linkId) throws LoadException {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (StructOpsPlan.Slot s : plan.slots()) {
            ids.put(s.member(), programIds.get(programKey(s.program(), plan, s.memberIndex())));
        }
        try {
            loaded.describe(
                    h,
                    new LoadedMap(
                            h.name, plan.kernelType().name(), bpf.mapInfo(h.map).id(), linkId, ids));
        } catch (BpfException e) {
            throw new LoadException(name + ": map " + h.name + ": info: " + e.getMessage(), null, e);
        }
    }

    /** The descriptor of the module BTF a plan's struct is in; 0 for vmlinux. */
    private int structModuleFd(StructOpsPlan plan) {
        return structModuleFds.getOrDefault(plan.kernelType().module(), 0);
    }

    /**
     * EEXIST at registration means another loader registered the same thing between this load's validation and its
     * attach (eight processes loading one object at once, say): the handler, asked again now that the other one is
     * in the kernel, says which rule was broken, as it does for the loads it refuses up front.
     */
    private void explainLostRace(BpfException e, StructOps view) throws LoadException {
        if (e.errno() == Errno.EEXIST) {
            HandlerSteps.consult(services.handlers(), view, "validate", h -> h.validate(view));
        }
    }

    /**
     * What one program load serves: a program, bound to a member of a kernel struct (named by its BTF, as two modules'
     * split ids may coincide, and its id there).
     */
    private static String programKey(String program, StructOpsPlan plan, int memberIndex) {
        return program + "/" + plan.kernelType().module() + ":"
                + plan.kernelType().typeId() + "/" + memberIndex;
    }

    /**
     * The verifier stops at a poisoned instruction ("N: (85) call unknown#195896080"): name what the loader could
     * not resolve there, a CO-RE relocation or a weak kernel function, as the reason the program cannot run here.
     */
    static String reachedPoison(String log, Map<Integer, String> poisoned) {
        if (poisoned.isEmpty()) {
            return null;
        }
        Matcher m =
                Pattern.compile("(?m)^(\\d+): \\(85\\) call unknown#\\d+\\b").matcher(log);
        while (m.find()) {
            String why = poisoned.get(Integer.parseInt(m.group(1)));
            if (why != null) {
                return "instruction " + m.group(1) + " " + why;
            }
        }
        return null;
    }

    static String lastLines(String log, int n) {
        List<String> lines = log.lines().filter(l -> !l.isBlank()).toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
}
