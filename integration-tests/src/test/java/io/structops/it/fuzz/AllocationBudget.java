package io.structops.it.fuzz;

import java.lang.management.ManagementFactory;

/**
 * What one fuzz input may cost in heap: parsing must allocate in proportion to the bytes it was given, so that a
 * forged length or count in a header can never make the runtime reserve gigabytes. Measured per thread, so JIT and
 * GC threads do not count.
 */
final class AllocationBudget {
    /** Bytes allocated per input byte that any parse stays under, with room: the examples need about 20. */
    static final long PER_INPUT_BYTE = 256;
    /** Fixed part: tables, builders and messages every parse makes, whatever the input's size. */
    static final long BASE = 8L << 20;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    interface Parse {
        void run() throws Exception;
    }

    private AllocationBudget() {}

    static long allocated() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    private static long measure(Parse parse) throws Exception {
        long before = allocated();
        parse.run();
        return allocated() - before;
    }

    /** Runs {@code parse} on an input of {@code length} bytes and fails if it allocated beyond the budget. */
    static void within(int length, Parse parse) throws Exception {
        long budget = BASE + PER_INPUT_BYTE * length;
        long used = measure(parse);
        if (used > budget) {
            // The first parse down a new path also loads (and, when fuzzing, instruments) classes, which is charged to
            // this thread: measure again with them loaded before calling it a finding.
            used = measure(parse);
        }
        if (used > budget) {
            throw new AssertionError("an input of " + length + " bytes made the parse allocate " + used
                    + " bytes (budget " + budget + ")");
        }
    }
}
