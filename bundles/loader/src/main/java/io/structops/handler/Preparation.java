package io.structops.handler;

import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An object about to be loaded, as {@link StructOpsHandler#prepare} sees it: what its struct's userspace would fill
 * in between opening and loading it (a sched_ext scheduler's loader sets the kernel's enum values and the hotplug
 * sequence). What the user gave ({@code load --set}, a deploy {@code .cfg}) is never overridden.
 */
@ProviderType
public interface Preparation {

    /** The struct_ops map being prepared, read as before attach. */
    StructOps ops();

    /** The object's global variables ({@code .rodata}, {@code .data}, {@code .bss} and their named sections). */
    Set<String> globals();

    /**
     * Gives a global its initial value, as {@code load --set NAME=VALUE} spells it, unless the user set one.
     *
     * @throws HandlerException if the object has no such global
     */
    void global(String name, String value) throws HandlerException;

    /**
     * Sizes a global array that ends its section to {@code elements} elements, as {@code load --resize} does, unless
     * the user sized it.
     *
     * @throws HandlerException if the object has no such global
     */
    void array(String name, int elements) throws HandlerException;

    /**
     * Gives an integer member of the struct_ops value its value (replacing what the object's variable holds).
     *
     * @throws HandlerException if the kernel's struct has no such integer member
     */
    void member(String name, long value) throws HandlerException;
}
