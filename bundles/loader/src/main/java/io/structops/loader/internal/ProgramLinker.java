package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfExt;
import io.structops.elf.BpfObject;
import io.structops.elf.BpfProgram;
import io.structops.elf.ElfRelocation;
import io.structops.elf.ElfSection;
import io.structops.elf.ElfSymbol;
import io.structops.loader.LoadException;
import io.structops.syscall.BpfConstants;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * Makes one program loadable: its instructions with every map and global-data reference pointing at the created
 * maps, and every {@code .text} subprogram it calls (directly or not) appended after it with call offsets fixed,
 * as libbpf does. func_info and line_info follow the code, counted in instructions from the program's start.
 */
final class ProgramLinker {
    static final int INSN = 8;
    static final int BPF_PSEUDO_MAP_FD = 1;
    static final int BPF_PSEUDO_MAP_VALUE = 2;
    static final int BPF_PSEUDO_CALL = 1;
    /** Where clang puts {@code __arena} globals: address space 1. */
    static final int BPF_PSEUDO_KFUNC_CALL = 2;

    static final int BPF_PSEUDO_BTF_ID = 3;
    static final int BPF_PSEUDO_FUNC = 4;
    /** The helper number a call to a missing weak kfunc becomes, plus the extern's index (libbpf's choice). */
    static final int POISON_KFUNC = 2002000000;

    /**
     * A loadable program.
     *
     * @param poisoned instruction index to why the program cannot run if the verifier reaches it: a CO-RE
     *     relocation no kernel type satisfied, or a call to a weak kernel function this kernel lacks
     */
    record Linked(byte[] instructions, byte[] funcInfo, byte[] lineInfo, Map<Integer, String> poisoned) {}

    private final Map<Integer, String> poisoned = new TreeMap<>();

    /** A piece of code placed in the program: the main function or a subprogram. */
    private record Piece(ElfSection section, long start, long length, int base, String name) {}

    private final BpfObject object;
    private final Map<String, ObjectMaps.Created> maps;
    private final Optional<BtfExt> ext;
    private final Btf kernel;
    private final Btf localBtf;
    private final KernelExterns externs;
    private final KernelFunctions functions;
    private final ModuleBtfs moduleBtfs;
    private final CoreRelocator.Modules modules;
    private final String where;
    /** The program's layout as it grows: its pieces in order, subprograms by .text offset, those left to relocate. */
    private final List<Piece> pieces = new ArrayList<>();

    private final Map<Long, Piece> subprograms = new LinkedHashMap<>();
    private final Deque<Piece> queue = new ArrayDeque<>();
    /** Instructions placed so far: where the next subprogram goes. */
    private int total;

    private ProgramLinker(LinkContext context, BpfProgram program) {
        this.modules = context.modules();
        this.localBtf = context.localBtf();
        this.externs = context.externs();
        this.functions = context.functions();
        this.moduleBtfs = context.moduleBtfs();
        this.object = context.object();
        this.maps = context.maps();
        this.ext = context.ext();
        this.kernel = context.kernel();
        this.where = object.name() + ": program " + program.name();
    }

    /** Links {@code program} against what {@code context} created and resolved. */
    static Linked link(LinkContext context, BpfProgram program) throws LoadException {
        return new ProgramLinker(context, program).link(program);
    }

    /** Whether the object declares this extern as a variable (a ksym), not a function. */
    private boolean isVariable(String name) {
        return KernelFunctions.isVariable(localBtf, name);
    }

    private Linked link(BpfProgram program) throws LoadException {
        ElfSection main = object.elf().sections().get(program.sectionIndex());
        long mainLength = (long) program.instructionCount() * INSN;
        Piece first = new Piece(main, program.offset(), mainLength, 0, program.name());
        pieces.add(first);
        queue.add(first);
        total = (int) (mainLength / INSN);
        List<ByteBuffer> bodies = new ArrayList<>();
        while (!queue.isEmpty()) {
            bodies.add(relocate(queue.poll()));
        }
        ByteArrayOutputStream code = new ByteArrayOutputStream();
        for (ByteBuffer b : bodies) {
            code.writeBytes(b.array());
        }
        return new Linked(code.toByteArray(), funcInfo(pieces), lineInfo(pieces), Map.copyOf(poisoned));
    }

    /** One piece's instructions with its ELF relocations, its local calls and its CO-RE relocations applied. */
    private ByteBuffer relocate(Piece piece) throws LoadException {
        byte[] bytes = new byte[(int) piece.length()];
        object.elf().data(piece.section()).get((int) piece.start(), bytes);
        ByteBuffer insns = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Set<Integer> relocated = new HashSet<>();
        for (ElfRelocation r : object.elf().relocationsFor(piece.section())) {
            if (r.offset() < piece.start() || r.offset() >= piece.start() + piece.length()) {
                continue;
            }
            int at = (int) (r.offset() - piece.start());
            relocated.add(at);
            ElfSymbol sym = r.symbol();
            switch (r.type()) {
                case ElfRelocation.R_BPF_64_64 -> {
                    if (isSubprogramAddress(insns, at, sym)) {
                        relocateCallback(piece, insns, at, sym);
                    } else {
                        relocateLoad(insns, at, sym);
                    }
                }
                case ElfRelocation.R_BPF_64_32 -> {
                    if (sym.isUndefined()) {
                        relocateKernelCall(piece.base() + at / INSN, insns, at, sym);
                    } else {
                        relocateCall(piece, insns, at, sym);
                    }
                }
                default ->
                    throw new LoadException(
                            where + ": load: relocation type " + r.type() + " against '" + sym.name()
                                    + "' is not one a program can have",
                            null,
                            null);
            }
        }
        linkLocalCalls(piece, insns, relocated);
        applyCoreRelocations(piece, insns);
        return insns;
    }

    /**
     * A callback (bpf_loop, bpf_for_each_map_elem, timers, rbtree less): the subprogram is placed in the program like
     * a called one, and the ld_imm64 holds its relative index.
     */
    private void relocateCallback(Piece piece, ByteBuffer insns, int at, ElfSymbol sym) throws LoadException {
        long targetOffset = sym.value() + Insn.imm(insns, at);
        int target = placeTarget(targetOffset, object.elf().sections().get(sym.sectionIndex()));
        Insn.src(insns, at, BPF_PSEUDO_FUNC);
        Insn.imm(insns, at, target - (piece.base() + at / INSN + 1));
    }

    /** A call to a kernel function (kfunc); a missing weak one is poisoned, to fail only if reached. */
    private void relocateKernelCall(int callIndex, ByteBuffer insns, int at, ElfSymbol sym) throws LoadException {
        Optional<KernelFunctions.Kfunc> f = functions.find(sym.name());
        if (f.isEmpty() && !sym.isWeak()) {
            throw new LoadException(
                    where + ": load: calls kernel function '" + sym.name() + "', which this kernel" + " does not have ("
                            + functions.whyMissing(sym.name()) + ")",
                    null,
                    null);
        }
        if (f.isEmpty()) {
            // A call to a helper no kernel has, numbered after the extern as libbpf numbers it. The verifier only
            // objects if the call is reachable (not guarded by bpf_ksym_exists()), and then the load names it.
            Insn.src(insns, at, 0);
            Insn.off(insns, at, (short) 0);
            Insn.imm(insns, at, POISON_KFUNC + functions.externIndex(sym.name()));
            poisoned.put(
                    callIndex,
                    "calls kernel function '" + sym.name() + "', which this kernel does not have (it"
                            + " is __weak: guard the call with bpf_ksym_exists())");
            return;
        }
        // A module's function names its module's fd_array slot in the offset.
        Insn.src(insns, at, BPF_PSEUDO_KFUNC_CALL);
        Insn.off(insns, at, (short) f.get().slot());
        Insn.imm(insns, at, f.get().btfId());
    }

    /** A call to a .text function through a relocation: the callee is placed, the call made relative to it. */
    private void relocateCall(Piece piece, ByteBuffer insns, int at, ElfSymbol sym) throws LoadException {
        ElfSection target = object.elf().sections().get(sym.sectionIndex());
        if (!target.name().equals(".text")) {
            throw new LoadException(
                    where + ": load: calls into section '" + target.name() + "'; subprograms must be in .text",
                    null,
                    null);
        }
        long targetOffset = sym.value() + (long) (Insn.imm(insns, at) + 1) * INSN;
        int newTarget = placeTarget(targetOffset, target);
        Insn.src(insns, at, BPF_PSEUDO_CALL);
        Insn.imm(insns, at, newTarget - (piece.base() + at / INSN + 1));
    }

    /** Where in the program the .text instruction at {@code targetOffset} ends up, its function placed if new. */
    private int placeTarget(long targetOffset, ElfSection text) throws LoadException {
        BpfProgram sub = subprogramAt(targetOffset);
        Piece placed = place(sub, text);
        return placed.base() + (int) ((targetOffset - sub.offset()) / INSN);
    }

    /** CO-RE relocations of the piece's code, against the kernel's BTF. */
    private void applyCoreRelocations(Piece piece, ByteBuffer insns) throws LoadException {
        if (ext.isEmpty()) {
            return;
        }
        CoreRelocator core = null;
        for (BtfExt.CoreRelo relo :
                ext.get().coreRelos().getOrDefault(piece.section().name(), List.of())) {
            if (relo.insnOffset() < piece.start() || relo.insnOffset() >= piece.start() + piece.length()) {
                continue;
            }
            if (core == null) {
                core = new CoreRelocator(localBtf, kernel, modules, where);
            }
            int at = (int) (relo.insnOffset() - piece.start());
            String failed = core.apply(insns, at, relo);
            if (failed != null) {
                poisoned.put(
                        piece.base() + at / INSN,
                        "is CO-RE relocation " + failed + ", which no type of this"
                                + " kernel satisfies (guard it with bpf_core_field_exists() or a ___flavour)");
            }
        }
    }

    /**
     * The subprogram's place in the program: where it was put already, or after everything placed so far (then its
     * own relocations are worked through in turn).
     */
    /**
     * Calls clang resolved itself: a call between functions of one section carries no relocation, only
     * {@code src_reg} BPF_PSEUDO_CALL and the distance in the section (clang 19 does this within .text). The callee
     * is placed like a relocated one and the distance recomputed for where it now lies.
     *
     * @return the program's length in instructions with the callees placed
     */
    private void linkLocalCalls(Piece piece, ByteBuffer insns, Set<Integer> relocated) throws LoadException {
        for (int at = 0; at + INSN <= insns.capacity(); at += INSN) {
            if (Insn.code(insns, at) != Insn.CALL || Insn.src(insns, at) != BPF_PSEUDO_CALL || relocated.contains(at)) {
                continue;
            }
            long targetOffset = piece.start() + at + (long) (Insn.imm(insns, at) + 1) * INSN;
            if (!piece.section().name().equals(".text")) {
                throw new LoadException(
                        where + ": load: calls a function of section '"
                                + piece.section().name() + "' at offset " + targetOffset
                                + "; subprograms must be in .text",
                        null,
                        null);
            }
            int newTarget = placeTarget(targetOffset, piece.section());
            Insn.imm(insns, at, newTarget - (piece.base() + at / INSN + 1));
        }
    }

    /** {@code sub}'s piece: placed at the program's end, and queued for relocation, the first time it is needed. */
    private Piece place(BpfProgram sub, ElfSection text) {
        Piece placed = subprograms.get(sub.offset());
        if (placed == null) {
            placed = new Piece(text, sub.offset(), (long) sub.instructionCount() * INSN, total, sub.name());
            subprograms.put(sub.offset(), placed);
            pieces.add(placed);
            queue.add(placed);
            total += sub.instructionCount();
        }
        return placed;
    }

    /** An ld_imm64 of a .text function's address: a callback, which the kernel takes as BPF_PSEUDO_FUNC. */
    private boolean isSubprogramAddress(ByteBuffer insns, int at, ElfSymbol sym) {
        return Insn.code(insns, at) == Insn.LD_IMM64
                && !sym.isUndefined()
                && sym.sectionIndex() > 0
                && sym.sectionIndex() < object.elf().sections().size()
                && object.elf().sections().get(sym.sectionIndex()).name().equals(".text");
    }

    private BpfProgram subprogramAt(long textOffset) throws LoadException {
        for (BpfProgram s : object.subprograms()) {
            if (textOffset >= s.offset() && textOffset < s.offset() + (long) s.instructionCount() * INSN) {
                return s;
            }
        }
        throw new LoadException(
                where + ": load: a call targets .text+" + textOffset + ", where no function is", null, null);
    }

    /** ld_imm64 of a map (its descriptor) or of a global variable (its map's descriptor and the offset in it). */
    private void relocateLoad(ByteBuffer insns, int at, ElfSymbol sym) throws LoadException {
        if (Insn.code(insns, at) != Insn.LD_IMM64) {
            throw new LoadException(
                    where + ": load: a 64-bit relocation against '" + sym.name()
                            + "' is not on an ld_imm64 instruction",
                    null,
                    null);
        }
        if (sym.isUndefined()) {
            relocateExternLoad(insns, at, sym);
            return;
        }
        ElfSection section = object.elf().sections().get(sym.sectionIndex());
        if (section.name().equals(".maps")) {
            ObjectMaps.Created map = maps.values().stream()
                    .filter(m -> !m.globalData() && m.offset() == sym.value())
                    .findFirst()
                    .orElseThrow(() -> new LoadException(
                            where + ": load: no map at .maps+" + sym.value() + " ('" + sym.name() + "')", null, null));
            Insn.src(insns, at, BPF_PSEUDO_MAP_FD);
            Insn.imm(insns, at, map.fd().value());
            return;
        }
        ObjectMaps.Created data =
                section.name().equals(ObjectMaps.ARENA_GLOBALS) ? arena(sym) : maps.get(section.name());
        if (data == null || !data.globalData() && data.mapType() != BpfConstants.MAP_TYPE_ARENA) {
            throw new LoadException(
                    where + ": load: refers to '" + sym.name() + "' in section '" + section.name()
                            + "', which is neither a map nor global data",
                    null,
                    null);
        }
        long offset = (sym.type() == ElfSymbol.STT_SECTION ? 0 : sym.value()) + Insn.imm(insns, at);
        Insn.src(insns, at, BPF_PSEUDO_MAP_VALUE);
        Insn.imm(insns, at, data.fd().value());
        Insn.imm2(insns, at, (int) offset);
    }

    /**
     * The arena an {@code __arena} global lives in: the object's one ARENA map, whose first page holds the globals
     * (ObjectMaps.arena), so the variable's offset in its section is its offset in the arena.
     */
    private ObjectMaps.Created arena(ElfSymbol sym) throws LoadException {
        return maps.values().stream()
                .filter(m -> m.mapType() == BpfConstants.MAP_TYPE_ARENA)
                .findFirst()
                .orElseThrow(() -> new LoadException(
                        where + ": load: refers to '" + sym.name() + "', an __arena"
                                + " global, but the object declares no ARENA map in .maps for it to live in",
                        null,
                        null));
    }

    /** ld_imm64 of an extern: a kconfig value, a ksym (typed or not), or a kernel function's address. */
    private void relocateExternLoad(ByteBuffer insns, int at, ElfSymbol sym) throws LoadException {
        OptionalLong kconfig = externs.kconfigOffset(sym.name());
        if (kconfig.isPresent()) {
            ObjectMaps.Created map = maps.get(KernelExterns.KCONFIG);
            Insn.src(insns, at, BPF_PSEUDO_MAP_VALUE);
            Insn.imm(insns, at, map.fd().value());
            Insn.imm2(insns, at, (int) (kconfig.getAsLong() + Insn.imm2(insns, at)));
            return;
        }
        if (isVariable(sym.name())) {
            Optional<KernelExterns.Ksym> ksym = externs.ksym(sym.name(), where + ": load");
            int src = ksym.isPresent() && ksym.get().typed() ? BPF_PSEUDO_BTF_ID : 0;
            long address = ksym.map(KernelExterns.Ksym::address).orElse(0L);
            Insn.src(insns, at, src);
            // A typed ksym is its VAR's BTF id and, in the second half, the descriptor of the module BTF object
            // that holds it (0: vmlinux); a typeless one its address; a missing weak one 0.
            boolean typed = ksym.isPresent() && ksym.get().typed();
            Insn.imm(insns, at, typed ? ksym.get().btfId() : (int) address);
            Insn.imm2(
                    insns,
                    at,
                    typed ? ksym.get().inModule() ? moduleBtfs.fd(ksym.get().module()) : 0 : (int) (address >>> 32));
            return;
        }
        Optional<KernelFunctions.Kfunc> f = functions.find(sym.name());
        if (f.isPresent()) {
            // The address of a kernel function (bpf_ksym_exists() and callbacks): its BTF id, and the
            // descriptor of its module's BTF object (0 for vmlinux) itself, not a slot.
            Insn.src(insns, at, BPF_PSEUDO_BTF_ID);
            Insn.imm(insns, at, f.get().btfId());
            Insn.imm2(insns, at, moduleBtfs.fd(f.get().slot()));
            return;
        }
        if (sym.isWeak()) {
            Insn.src(insns, at, 0);
            Insn.imm(insns, at, 0);
            Insn.imm2(insns, at, 0);
            return;
        }
        throw new LoadException(
                where + ": load: refers to kernel function '" + sym.name()
                        + "', which this kernel does not have (no FUNC of that name in its BTF)",
                null,
                null);
    }

    private byte[] funcInfo(List<Piece> pieces) {
        if (ext.isEmpty()) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate(8 * 64 * pieces.size() + 64).order(ByteOrder.nativeOrder());
        for (Piece piece : pieces) {
            for (BtfExt.FuncInfo f :
                    ext.get().funcInfo().getOrDefault(piece.section().name(), List.of())) {
                if (f.insnOffset() >= piece.start() && f.insnOffset() < piece.start() + piece.length()) {
                    b.putInt(piece.base() + (int) ((f.insnOffset() - piece.start()) / INSN))
                            .putInt(f.typeId());
                }
            }
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    private byte[] lineInfo(List<Piece> pieces) {
        if (ext.isEmpty()) {
            return null;
        }
        List<BtfExt.LineInfo> all = new ArrayList<>();
        for (Piece piece : pieces) {
            all.addAll(ext.get().lineInfo().getOrDefault(piece.section().name(), List.of()));
        }
        ByteBuffer b = ByteBuffer.allocate(16 * all.size() + 16).order(ByteOrder.nativeOrder());
        for (Piece piece : pieces) {
            for (BtfExt.LineInfo l :
                    ext.get().lineInfo().getOrDefault(piece.section().name(), List.of())) {
                if (l.insnOffset() >= piece.start() && l.insnOffset() < piece.start() + piece.length()) {
                    b.putInt(piece.base() + (int) ((l.insnOffset() - piece.start()) / INSN))
                            .putInt(l.fileNameOffset())
                            .putInt(l.lineOffset())
                            .putInt(l.lineCol());
                }
            }
        }
        return Arrays.copyOf(b.array(), b.position());
    }
}
