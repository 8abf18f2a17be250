package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfType;
import io.structops.handler.GlobalVariable;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfException;
import io.structops.syscall.BpfFd;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An object's global data maps, read for handlers: each call looks every map up once and types the bytes through
 * the object's BTF (its DATASECs). The descriptors belong to the loaded object; once it is closed, reads find nothing.
 */
final class ObjectGlobals {
    private final Bpf bpf;
    private final Btf btf;
    private final List<ObjectMaps.Created> maps;

    ObjectGlobals(Bpf bpf, Btf btf, List<ObjectMaps.Created> maps) {
        this.bpf = bpf;
        this.btf = btf;
        this.maps = maps.stream().filter(ObjectMaps.Created::globalData).toList();
    }

    /**
     * The same variables, read from other maps of the same kernel names: an adopted object's, whose programs use
     * the maps an earlier runtime created.
     */
    ObjectGlobals rebound(Map<String, BpfFd> byKernelName) throws BpfException {
        List<ObjectMaps.Created> now = new ArrayList<>();
        for (ObjectMaps.Created m : maps) {
            BpfFd fd = byKernelName.get(bpf.mapInfo(m.fd()).name());
            now.add(
                    fd == null
                            ? m
                            : new ObjectMaps.Created(
                                    m.name(),
                                    m.section(),
                                    m.offset(),
                                    m.size(),
                                    m.mapType(),
                                    fd,
                                    true,
                                    m.btfValueTypeId()));
        }
        return new ObjectGlobals(bpf, btf, now);
    }

    List<GlobalVariable> read() {
        List<GlobalVariable> vars = new ArrayList<>();
        for (ObjectMaps.Created m : maps) {
            if (!m.fd().isOpen() || !(type(m.btfValueTypeId()) instanceof BtfType.Datasec d)) {
                continue;
            }
            byte[] value;
            try {
                value = bpf.mapLookup(m.fd(), new byte[4], (int) m.size()).orElse(null);
            } catch (BpfException | IllegalStateException e) {
                continue; // closed under us: the object is going away
            }
            if (value == null) {
                continue;
            }
            for (BtfType.VarInfo vi : d.vars()) {
                if (type(vi.type()) instanceof BtfType.Var v && vi.offset() + vi.size() <= value.length) {
                    vars.add(new Variable(v.name(), m.section(), v.type(), value, (int) vi.offset()));
                }
            }
        }
        return List.copyOf(vars);
    }

    private BtfType type(int id) {
        try {
            return id == 0 ? null : btf.type(id);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private final class Variable implements GlobalVariable {
        private final String name;
        private final String section;
        private final int type;
        private final byte[] value;
        private final int at;

        Variable(String name, String section, int type, byte[] value, int at) {
            this.name = name;
            this.section = section;
            this.type = type;
            this.value = value;
            this.at = at;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String section() {
            return section;
        }

        @Override
        public String typeName() {
            try {
                BtfType t = btf.type(btf.resolve(type));
                String n = t.name() == null ? "" : t.name();
                return t instanceof BtfType.Composite c && !n.isEmpty()
                        ? c.kind().name().toLowerCase(Locale.ROOT) + " " + n
                        : n;
            } catch (RuntimeException e) {
                return "";
            }
        }

        @Override
        public List<String> members() {
            try {
                return btf.members(btf.resolve(type)).stream()
                        .map(BtfType.Member::name)
                        .toList();
            } catch (RuntimeException e) {
                return List.of();
            }
        }

        @Override
        public OptionalLong integer() {
            return TypedValues.integer(btf, type, value, at);
        }

        @Override
        public OptionalLong integer(String member) {
            return TypedValues.integerMember(btf, type, value, at, member);
        }

        @Override
        public Optional<String> string(String member) {
            return TypedValues.stringMember(btf, type, value, at, member);
        }

        @Override
        public Optional<String> string() {
            return TypedValues.string(btf, type, value, at);
        }

        @Override
        public String toString() {
            return section + " " + name;
        }
    }
}
