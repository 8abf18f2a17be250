package io.structops.handler;

import io.structops.loader.LoadedMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One struct_ops map as a handler sees it: the value the kernel is (or will be) given, read by kernel member name,
 * before and after it is attached.
 */
@ProviderType
public interface StructOps {

    /** The object file the map comes from. */
    String object();

    /** The struct_ops variable's (and the map's) name. */
    String mapName();

    /** The kernel struct, e.g. {@code tcp_congestion_ops}. */
    String struct();

    /** Attached through a BPF link ({@code .struct_ops.link}) rather than registered by a map update. */
    boolean linkBased();

    /** The function-pointer members bound to a program. */
    Set<String> programMembers();

    /** A {@code char[]} member as a C string; empty if the kernel struct has no such member or it is not text. */
    Optional<String> string(String member);

    /** An integer or enum member's value; empty if the kernel struct has no such member or it is not a number. */
    OptionalLong integer(String member);

    /** The kernel objects once attached (map id, link id, program ids); empty before. */
    Optional<LoadedMap> loaded();

    /** During a swap: the attached map this one is about to replace. */
    Optional<StructOps> replacing();

    /**
     * The load's options for handlers ({@code load --option KEY=VALUE}, a deploy {@code .cfg}'s keys with a prefix
     * such as {@code qdisc.devices}), by key. A handler reads the keys of its own prefix and refuses, in
     * {@link StructOpsHandler#validate}, those of its prefix that it does not know.
     */
    default Map<String, String> options() {
        return Map.of();
    }

    /**
     * Whether this runtime holds the map attached now. It turns false before the loader starts detaching, so that a
     * handler watching the kernel can tell a detach it was asked for from the kernel throwing the struct_ops out.
     */
    default boolean attached() {
        return false;
    }

    /**
     * The object's global variables as the kernel holds them now, read on each call; empty before the object's
     * maps exist and after it was closed.
     */
    default List<GlobalVariable> globals() {
        return List.of();
    }

    /**
     * The object's own counters, as a handler reports them in its status: its integer globals in {@code .bss} and
     * {@code .data} ({@code .rodata} holds tunables, not counts), by name.
     */
    default Map<String, Long> counters() {
        Map<String, Long> counters = new LinkedHashMap<>();
        for (GlobalVariable v : globals()) {
            if ((v.section().startsWith(".bss") || v.section().startsWith(".data"))
                    && v.integer().isPresent()) {
                counters.put(v.name(), v.integer().getAsLong());
            }
        }
        return counters;
    }
}
