package io.structops.syscall.process;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code prctl(PR_SET_PDEATHSIG)}: the kernel sends this process a signal when the process that started it dies. A
 * launcher script that runs the JVM as its child (to clean up after it) is what a supervisor or a user with
 * {@code $!} kills; with this, a {@code kill -9} of the script ends the JVM too, through its normal stop, instead of
 * leaving it running, re-parented to init, with what it attached.
 */
public final class ParentDeath {
    private static final int PR_SET_PDEATHSIG = 1;
    /** SIGTERM: the runtime's termination handler stops the framework, which detaches what it holds. */
    public static final int SIGTERM = 15;

    private static final MethodHandle PRCTL;
    private static final MethodHandle GETPPID;

    static {
        Linker linker = Linker.nativeLinker();
        PRCTL = linker.downcallHandle(
                linker.defaultLookup().find("prctl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        GETPPID = linker.downcallHandle(
                linker.defaultLookup().find("getppid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }

    private ParentDeath() {}

    /**
     * Has the kernel send {@code signal} to this process when its parent dies. Returns false if the parent is no
     * longer {@code expectedParent} (it died before the request took effect, so no signal will come) or the request
     * failed; the caller then acts as if the signal had come.
     */
    public static boolean signalOnParentDeath(long expectedParent, int signal) {
        try {
            int r = (int) PRCTL.invokeExact(PR_SET_PDEATHSIG, (long) signal);
            int parent = (int) GETPPID.invokeExact();
            return r == 0 && parent == expectedParent;
        } catch (Throwable t) {
            throw new IllegalStateException("prctl(2) could not be called", t);
        }
    }
}
