package io.structops.loader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.loader.LoadException;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedObject;
import io.structops.syscall.Bpf;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One loader used from many threads at once, on the real kernel: loads, swaps, listings and closes of different
 * objects interleave, and a swap races a close of the object it replaces. Every thread must finish within the bound,
 * nothing may throw but the refusals the API documents, and afterwards nothing is open or left in the kernel.
 */
@Tag("kernel")
class ConcurrencyTest {
    static final long BOUND_SECONDS = 120;

    record Snapshot(List<Integer> progs, List<Integer> maps, List<Integer> links, int fds) {
        static Snapshot now() throws Exception {
            return new Snapshot(
                    Loaders.BPF.ids(Bpf.ObjectType.PROG),
                    Loaders.BPF.ids(Bpf.ObjectType.MAP),
                    Loaders.BPF.ids(Bpf.ObjectType.LINK),
                    Loaders.BPF.openDescriptorCount());
        }

        void assertRestored() throws Exception {
            LoadOnKernelTest.assertGone(progs, Bpf.ObjectType.PROG);
            LoadOnKernelTest.assertGone(maps, Bpf.ObjectType.MAP);
            LoadOnKernelTest.assertGone(links, Bpf.ObjectType.LINK);
            assertEquals(fds, Loaders.BPF.openDescriptorCount(), "descriptors of this process");
        }
    }

    @Test
    void loadsSwapsListsAndClosesFromManyThreads() throws Exception {
        Snapshot before = Snapshot.now();
        String[] objects = {
            "tcp_cc_state.bpf.o", "tcp_cc_maps.bpf.o", "tcp_cc_externs.bpf.o", "core_reads.bpf.o", "tcp_cc_kfunc.bpf.o"
        };
        int rounds = 15;
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger loads = new AtomicInteger();
        AtomicInteger listings = new AtomicInteger();
        AtomicInteger swaps = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(objects.length + 3);
        List<Future<?>> work = new ArrayList<>();
        for (String example : objects) {
            work.add(pool.submit((Callable<Void>) () -> {
                for (int i = 0; i < rounds; i++) {
                    try (LoadedObject o = Loaders.LOADER.load(Loaders.example(example), LoadOptions.defaults())) {
                        assertTrue(o.maps().get(0).mapId() > 0);
                        loads.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        // Swaps of one algorithm, back and forth, while the others load and close.
        work.add(pool.submit((Callable<Void>) () -> {
            Path v1 = Loaders.example("tcp_cc_link.bpf.o");
            Path v2 = Loaders.example("tcp_cc_link_v2.bpf.o");
            LoadedObject current = Loaders.LOADER.load(v1, LoadOptions.defaults());
            try {
                for (int i = 0; i < rounds; i++) {
                    LoadedObject next = Loaders.LOADER.swap(
                            current, "structops_fixed", i % 2 == 0 ? v2 : v1, LoadOptions.defaults());
                    current.close();
                    current = next;
                    swaps.incrementAndGet();
                    assertTrue(LoadOnKernelTest.registered("structops_fixed"), "attached after swap " + i);
                }
            } finally {
                current.close();
            }
            return null;
        }));
        // Listing, as `list` does, throughout.
        for (int t = 0; t < 2; t++) {
            work.add(pool.submit((Callable<Void>) () -> {
                while (!done.get()) {
                    for (int id : Loaders.BPF.ids(Bpf.ObjectType.MAP)) {
                        Loaders.BPF.fdById(Bpf.ObjectType.MAP, id).ifPresent(fd -> {
                            try (fd) {
                                Loaders.BPF.mapInfo(fd);
                            } catch (Exception e) {
                                // the map went away between the id and the info: a listing sees that as normal
                            }
                        });
                    }
                    listings.incrementAndGet();
                }
                return null;
            }));
        }
        long start = System.nanoTime();
        try {
            for (Future<?> f : work.subList(0, objects.length + 1)) {
                f.get(BOUND_SECONDS, TimeUnit.SECONDS);
            }
        } finally {
            done.set(true);
            pool.shutdown();
            assertTrue(pool.awaitTermination(BOUND_SECONDS, TimeUnit.SECONDS), "every thread finished");
        }
        for (Future<?> f : work) {
            f.get();
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertFalse(LoadOnKernelTest.registered("structops_fixed"));
        before.assertRestored();
        System.out.println("CONCURRENCY: " + loads.get() + " loads and closes on " + objects.length + " threads, "
                + swaps.get() + " swaps, " + listings.get() + " full listings, in " + ms + " ms; nothing left");
    }

    @Test
    void aSwapRacingACloseOfTheOldObjectEndsOneWayOrTheOther() throws Exception {
        Snapshot before = Snapshot.now();
        Path v1 = Loaders.example("tcp_cc_link.bpf.o");
        Path v2 = Loaders.example("tcp_cc_link_v2.bpf.o");
        int swapped = 0;
        int refused = 0;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 25; i++) {
                LoadedObject old = Loaders.LOADER.load(v1, LoadOptions.defaults());
                Future<LoadedObject> swap =
                        pool.submit(() -> Loaders.LOADER.swap(old, "structops_fixed", v2, LoadOptions.defaults()));
                Future<?> close = pool.submit(old::close);
                close.get(BOUND_SECONDS, TimeUnit.SECONDS);
                LoadedObject replacement = null;
                try {
                    replacement = swap.get(BOUND_SECONDS, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    assertTrue(e.getCause() instanceof LoadException, String.valueOf(e.getCause()));
                }
                if (replacement != null) {
                    // The swap won: the link moved before the close, which then had nothing of it left to detach.
                    swapped++;
                    assertTrue(LoadOnKernelTest.registered("structops_fixed"), "the swapped-in map is attached");
                    replacement.close();
                } else {
                    refused++;
                }
                assertFalse(LoadOnKernelTest.registered("structops_fixed"), "round " + i + ": nothing attached");
            }
        } finally {
            pool.shutdownNow();
        }
        before.assertRestored();
        System.out.println("CONCURRENCY: swap racing close, 25 rounds: " + swapped + " swaps won, " + refused
                + " refused because the old object was closed first; never both, never neither");
    }
}
