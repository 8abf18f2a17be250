package io.structops.handler;

import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Policy for one kernel struct_ops type, registered as a service with the {@value #STRUCT} property naming the struct
 * ({@code tcp_congestion_ops}, {@code sched_ext_ops}, ...). Where several handle one struct, the highest-ranked
 * wins. Handlers come and go at run time: the loader looks one up at each step, so an attached map is managed by
 * whichever handler is registered at that moment, and by none while none is.
 *
 * <p>A hook that throws {@link HandlerException} before attach stops the load with nothing created or left behind;
 * one that throws after attach makes the loader undo the attach (or the swap) and report the message.
 */
@ConsumerType
public interface StructOpsHandler {

    /** Service property: the kernel struct this handler handles. */
    String STRUCT = "structops.struct";

    /**
     * The prefix of the load options this handler reads ({@code qdisc.} for the qdisc handler), or empty for none.
     * An option that no handler of the object's structs claims is refused before anything is created, so that a
     * misspelt key is named rather than ignored.
     */
    default String optionPrefix() {
        return "";
    }

    /**
     * Before anything is created in the kernel, for a load and for the new map of a swap
     * ({@link StructOps#replacing()} then names the current one).
     */
    default void validate(StructOps ops) throws HandlerException {}

    /**
     * After {@link #validate} and before any map of the object is created: fills in what this struct's userspace
     * conventions put into an object (globals the struct's loaders set, data members taken from the running
     * kernel). Called once per struct_ops map of the object that this handler handles.
     */
    default void prepare(Preparation object) throws HandlerException {}

    /** The programs are verified and the map is filled; the next step makes it live. */
    default void beforeAttach(StructOps ops) throws HandlerException {}

    /** The map is live; a failure here detaches it again. */
    default void afterAttach(StructOps ops) throws HandlerException {}

    /**
     * For a swap the kernel cannot make in place (no BPF_LINK_UPDATE for the struct): whether {@code next} may be
     * attached while {@code previous} still is, so that nothing goes without a struct_ops for a moment. Then the
     * loader attaches {@code next}, calls {@link #afterSwap} with {@code previous} still attached (to move over what
     * uses it, such as a qdisc on a device), and only then detaches {@code previous}. False (the default) detaches
     * {@code previous} first, as sched_ext needs (one scheduler at a time) and as two maps registering one name need.
     */
    default boolean attachesBeside(StructOps previous, StructOps next) {
        return false;
    }

    /** {@code current} replaced {@code previous}; a failure here moves the attachment back to {@code previous}. */
    default void afterSwap(StructOps previous, StructOps current) throws HandlerException {
        afterAttach(current);
    }

    /**
     * The map is about to be detached (unloaded, replaced by a swap that cannot update it in place, or the runtime
     * stopping): undo what {@link #afterAttach} put in place that needs it, such as a qdisc on a network device. A
     * failure is logged and the detach goes on.
     */
    default void beforeDetach(StructOps ops) {}

    /** The map was detached (unloaded, or the runtime stopped). */
    default void afterDetach(StructOps ops) {}

    /** What the kernel says about the attached map, for {@code list}: names to JSON-friendly values. */
    default Map<String, Object> status(StructOps ops) {
        return Map.of();
    }

    /**
     * What the kernel says of this handler's struct on this machine, whether or not a map of it is held (tcp: the
     * algorithms on offer and the default; sched_ext: its state and the running scheduler): names to numbers,
     * booleans, strings or lists of strings. For metrics and {@code status}; read when asked, so cheap.
     */
    default Map<String, Object> kernelState() {
        return Map.of();
    }
}
