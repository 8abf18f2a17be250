package io.structops.loader.internal;

import io.structops.elf.StructOpsVariable;
import io.structops.kernvdata.StructOpsPlan;
import io.structops.loader.LoadedMap;
import io.structops.syscall.Bpf;
import io.structops.syscall.Bpf.ObjectType;
import io.structops.syscall.BpfConstants;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the struct_ops maps an earlier runtime attached from an object and left in the kernel, compares them with
 * what the object would attach, and moves them into a {@link Loaded} of this runtime (StructOpsLoader.adopt). A
 * link-based map survives its runtime only through a pinned link, found at {@code pins/<map>}; a legacy map stays
 * registered by itself, found by name and kernel struct among the kernel's struct_ops maps in use.
 */
final class Adopter {
    /** A map left in the kernel: its descriptor, and its link's if it is link-based. */
    record Survivor(String variable, BpfFd map, Bpf.MapInfo info, BpfFd link, Path pin) {
        void close() {
            map.close();
            if (link != null) {
                link.close();
            }
        }
    }

    /** {@code bpf_struct_ops_common_value.state} of a registered legacy map. */
    private static final int STATE_INUSE = 1;

    private static final int STATE_OFFSET = 4;
    private static final byte[] KEY0 = new byte[4];

    private final Bpf bpf;

    Adopter(Bpf bpf) {
        this.bpf = bpf;
    }

    /**
     * The survivor of each variable that has one. {@code held}: map ids this runtime holds already, never taken.
     * Only a single legacy candidate counts: two maps of one name are not this object's to choose between.
     */
    Map<String, Survivor> find(List<StructOpsVariable> variables, Optional<Path> pins, Set<Integer> held)
            throws BpfException {
        Map<String, Survivor> found = new LinkedHashMap<>();
        List<Bpf.MapInfo> registered = null;
        for (StructOpsVariable v : variables) {
            if (v.link()) {
                Optional<Survivor> s = pinned(v.name(), pins);
                s.ifPresent(x -> found.put(v.name(), x));
                continue;
            }
            if (registered == null) {
                registered = registeredMaps(held);
            }
            String kernelName = v.name().length() > 15 ? v.name().substring(0, 15) : v.name();
            List<Bpf.MapInfo> named =
                    registered.stream().filter(i -> i.name().equals(kernelName)).toList();
            if (named.size() == 1) {
                Optional<BpfFd> fd = bpf.fdById(ObjectType.MAP, named.get(0).id());
                if (fd.isPresent()) {
                    found.put(v.name(), new Survivor(v.name(), fd.get(), named.get(0), null, null));
                }
            }
        }
        return found;
    }

    private Optional<Survivor> pinned(String variable, Optional<Path> pins) throws BpfException {
        if (pins.isEmpty() || !Files.exists(pins.get().resolve(variable), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Path pin = pins.get().resolve(variable);
        BpfFd link = bpf.objGet(pin);
        try {
            Bpf.LinkInfo info = bpf.linkInfo(link);
            Optional<BpfFd> map = info.type() == BpfConstants.LINK_TYPE_STRUCT_OPS && info.structOpsMapId() != 0
                    ? bpf.fdById(ObjectType.MAP, info.structOpsMapId())
                    : Optional.empty();
            if (map.isEmpty()) {
                link.close();
                if (info.type() == BpfConstants.LINK_TYPE_STRUCT_OPS) {
                    // A link detached while pinned (its runtime was killed between detaching and unpinning): a
                    // pin of nothing, which would only stand in the way of pinning the new link there.
                    unpin(pin);
                }
                return Optional.empty();
            }
            return Optional.of(new Survivor(variable, map.get(), bpf.mapInfo(map.get()), link, pin));
        } catch (BpfException | RuntimeException e) {
            link.close();
            throw e;
        }
    }

    private static void unpin(Path pin) {
        try {
            Files.deleteIfExists(pin);
        } catch (IOException e) {
            // Pinning the new link there will fail and say so.
        }
    }

    /** The kernel's legacy struct_ops maps that are registered, other than those in {@code held}. */
    private List<Bpf.MapInfo> registeredMaps(Set<Integer> held) throws BpfException {
        List<Bpf.MapInfo> maps = new ArrayList<>();
        for (int id : bpf.ids(ObjectType.MAP)) {
            if (held.contains(id)) {
                continue;
            }
            Optional<BpfFd> fd = bpf.fdById(ObjectType.MAP, id);
            if (fd.isEmpty()) {
                continue;
            }
            try (BpfFd map = fd.get()) {
                Bpf.MapInfo info = bpf.mapInfo(map);
                if (info.type() != BpfConstants.MAP_TYPE_STRUCT_OPS || (info.mapFlags() & BpfConstants.F_LINK) != 0) {
                    continue;
                }
                Optional<byte[]> value = bpf.mapLookup(map, KEY0, info.valueSize());
                if (value.isPresent()
                        && value.get().length >= STATE_OFFSET + 4
                        && ByteBuffer.wrap(value.get())
                                        .order(ByteOrder.nativeOrder())
                                        .getInt(STATE_OFFSET)
                                == STATE_INUSE) {
                    maps.add(info);
                }
            }
        }
        return maps;
    }

    /**
     * Detaches a pinned attachment ({@code isLink} says which kind the record named): a struct_ops link (if its map
     * is still linked), or a legacy struct_ops map (if still registered). Anything else is left as it is.
     */
    void detach(BpfFd pinned, boolean isLink) throws BpfException {
        if (!isLink) {
            Bpf.MapInfo map = bpf.mapInfo(pinned);
            Optional<byte[]> value = map.type() == BpfConstants.MAP_TYPE_STRUCT_OPS
                    ? bpf.mapLookup(pinned, KEY0, map.valueSize())
                    : Optional.empty();
            if (value.isPresent()
                    && ByteBuffer.wrap(value.get())
                                    .order(ByteOrder.nativeOrder())
                                    .getInt(STATE_OFFSET)
                            == STATE_INUSE) {
                bpf.mapDelete(pinned, KEY0);
            }
            return;
        }
        Bpf.LinkInfo link = bpf.linkInfo(pinned);
        if (link.type() == BpfConstants.LINK_TYPE_STRUCT_OPS && link.structOpsMapId() != 0) {
            bpf.linkDetach(pinned);
        }
    }

    /**
     * Why the survivor is not what {@code ours} (the same object, loaded here without attaching) would attach:
     * another kernel struct or map shape, other data members, or a program whose tag differs; empty if it is.
     */
    Optional<String> difference(Loaded.MapHandle ours, Survivor s) throws BpfException {
        Bpf.MapInfo mine = bpf.mapInfo(ours.map);
        if (mine.btfVmlinuxValueTypeId() != s.info().btfVmlinuxValueTypeId()
                || mine.btfVmlinuxId() != s.info().btfVmlinuxId()
                || mine.valueSize() != s.info().valueSize()
                || !mine.name().equals(s.info().name())) {
            return Optional.of("map " + s.info().name() + " (id " + s.info().id() + ") is not of the same kernel"
                    + " struct and name");
        }
        StructOpsPlan plan = ours.view.plan();
        byte[] raw = bpf.mapLookup(s.map(), KEY0, s.info().valueSize()).orElse(new byte[0]);
        byte[] theirs = raw.clone();
        byte[] planned = plan.valueWith(slot -> 0, ByteOrder.nativeOrder());
        if (theirs.length != planned.length) {
            return Optional.of("its value could not be read");
        }
        ByteBuffer t = ByteBuffer.wrap(theirs).order(ByteOrder.nativeOrder());
        for (StructOpsPlan.Slot slot : plan.slots()) {
            // Outside the comparison of data below: each slot holds a program id.
            t.putLong((int) slot.valueOffset(), 0);
        }
        int from = (int) plan.kernelType().dataOffset();
        for (int i = from; i < planned.length; i++) {
            if (theirs[i] != planned[i]) {
                return Optional.of("its data members differ from the object's (first at byte " + (i - from) + ")");
            }
        }
        ByteBuffer ids = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        for (StructOpsPlan.Slot slot : plan.slots()) {
            int theirId = (int) ids.getLong((int) slot.valueOffset());
            String theirTag = tag(theirId);
            String ourTag = tag(ours.info().programIds().get(slot.member()));
            if (!ourTag.equals(theirTag)) {
                return Optional.of("program " + slot.program() + " (" + slot.member() + ") differs: tag " + theirTag
                        + " in the kernel, " + ourTag + " from the object");
            }
        }
        return Optional.empty();
    }

    private String tag(Integer progId) throws BpfException {
        if (progId == null || progId == 0) {
            return "none";
        }
        Optional<BpfFd> fd = bpf.fdById(ObjectType.PROG, progId);
        if (fd.isEmpty()) {
            return "gone";
        }
        try (BpfFd prog = fd.get()) {
            return bpf.progInfo(prog).tag();
        }
    }

    /**
     * Puts the survivor in {@code ours}' place for its variable: its map and link descriptors owned by {@code ours},
     * attached, with the program ids the kernel holds. What {@code ours} created for the variable stays unused
     * among its descriptors until it is released.
     */
    Loaded.MapHandle takeOver(Loaded loaded, Loaded.MapHandle ours, Survivor s) throws BpfException {
        ByteBuffer value = ByteBuffer.wrap(
                        bpf.mapLookup(s.map(), KEY0, s.info().valueSize()).orElseThrow())
                .order(ByteOrder.nativeOrder());
        Map<String, Integer> programs = new LinkedHashMap<>();
        for (StructOpsPlan.Slot slot : ours.view.plan().slots()) {
            programs.put(slot.member(), (int) value.getLong((int) slot.valueOffset()));
        }
        int linkId = s.link() == null ? 0 : bpf.linkInfo(s.link()).id();
        LoadedMap info = new LoadedMap(ours.name, ours.info().type(), s.info().id(), linkId, programs);
        return loaded.adopt(ours, s.map(), s.link(), s.pin(), info);
    }

    /**
     * The global data maps the survivors' programs use, by kernel map name: what their handlers and {@code vars}
     * read from now on, in place of those {@code ours} created.
     */
    Map<String, BpfFd> dataMaps(Loaded loaded, Map<String, Integer> programIds) throws BpfException {
        Map<String, BpfFd> byName = new LinkedHashMap<>();
        for (int progId : programIds.values()) {
            Optional<BpfFd> prog = bpf.fdById(ObjectType.PROG, progId);
            if (prog.isEmpty()) {
                continue;
            }
            try (BpfFd p = prog.get()) {
                for (int mapId : bpf.progMapIds(p)) {
                    Optional<BpfFd> map = bpf.fdById(ObjectType.MAP, mapId);
                    if (map.isPresent()) {
                        String name = bpf.mapInfo(map.get()).name();
                        if (byName.containsKey(name)) {
                            map.get().close();
                        } else {
                            byName.put(name, loaded.own(map.get()));
                        }
                    }
                }
            }
        }
        return byName;
    }
}
