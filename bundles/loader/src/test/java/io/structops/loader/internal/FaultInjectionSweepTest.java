package io.structops.loader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.elf.internal.BpfObjectReaderComponent;
import io.structops.kernel.btf.internal.KernelBtfSource;
import io.structops.kernvdata.internal.KernVdataBuilderComponent;
import io.structops.loader.LoadException;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedObject;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfCommand;
import io.structops.syscall.BpfException;
import io.structops.syscall.Errno;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every bpf(2) command of a full load, failed in turn: for an example object that loads and attaches on this kernel,
 * the load is repeated once per command it issues, the Nth command answering with an injected errno. Each time the
 * load must either fail with an error naming the object and the errno, or succeed (a failure the loader may survive,
 * such as a feature probe); then, once released, no descriptor of this process and no program, map, BTF or link
 * created by it may be left (compared with the kernel's GET_NEXT_ID lists from before). The decorator wraps the real
 * backend; everything not injected happens in the real kernel.
 */
@Tag("kernel")
class FaultInjectionSweepTest {
    /** The errnos injected, in turn: resource exhaustion, privilege, bad argument, bad address. */
    static final int[] ERRNOS = {Errno.ENOMEM, Errno.EPERM, Errno.EINVAL, Errno.EFAULT};

    /** The real backend, failing call number {@code failAt} (1-based; 0: none) and counting every call. */
    static final class FailingBpf {
        final AtomicInteger calls = new AtomicInteger();
        final int failAt;
        final int errno;
        volatile String failed;
        final Bpf bpf;

        FailingBpf(int failAt, int errno) {
            this.failAt = failAt;
            this.errno = errno;
            this.bpf = (Bpf) Proxy.newProxyInstance(
                    Bpf.class.getClassLoader(), new Class<?>[] {Bpf.class}, (proxy, method, args) -> {
                        BpfCommand command = command(method, args);
                        if (command != null && calls.incrementAndGet() == failAt) {
                            failed = command + " (" + method.getName() + ")";
                            throw new BpfException(command, errno, "injected", null);
                        }
                        if (method.isDefault()) {
                            // Run on the proxy, so that the commands a default method issues are counted one by one.
                            return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                        }
                        try {
                            return method.invoke(Loaders.BPF, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }

    /** The bpf(2) command a backend method issues; null for a method that issues none. */
    static BpfCommand command(Method m, Object[] args) {
        Map<Bpf.ObjectType, BpfCommand[]> byType = new EnumMap<>(Bpf.ObjectType.class);
        byType.put(Bpf.ObjectType.PROG, new BpfCommand[] {BpfCommand.PROG_GET_NEXT_ID, BpfCommand.PROG_GET_FD_BY_ID});
        byType.put(Bpf.ObjectType.MAP, new BpfCommand[] {BpfCommand.MAP_GET_NEXT_ID, BpfCommand.MAP_GET_FD_BY_ID});
        byType.put(Bpf.ObjectType.BTF, new BpfCommand[] {BpfCommand.BTF_GET_NEXT_ID, BpfCommand.BTF_GET_FD_BY_ID});
        byType.put(Bpf.ObjectType.LINK, new BpfCommand[] {BpfCommand.LINK_GET_NEXT_ID, BpfCommand.LINK_GET_FD_BY_ID});
        return switch (m.getName()) {
            case "btfLoad" -> BpfCommand.BTF_LOAD;
            case "mapCreate" -> BpfCommand.MAP_CREATE;
            case "mapUpdate" -> BpfCommand.MAP_UPDATE_ELEM;
            case "mapLookup" -> BpfCommand.MAP_LOOKUP_ELEM;
            case "mapDelete" -> BpfCommand.MAP_DELETE_ELEM;
            case "mapFreeze" -> BpfCommand.MAP_FREEZE;
            case "progLoad" -> BpfCommand.PROG_LOAD;
            case "mapNextKey" -> BpfCommand.MAP_GET_NEXT_KEY;
            case "mapLookupBatch" -> BpfCommand.MAP_LOOKUP_BATCH;
            case "enableStats" -> BpfCommand.ENABLE_STATS;
            case "linkCreate" -> BpfCommand.LINK_CREATE;
            case "linkUpdate" -> BpfCommand.LINK_UPDATE;
            case "linkDetach" -> BpfCommand.LINK_DETACH;
            case "progBindMap" -> BpfCommand.PROG_BIND_MAP;
            case "objPin" -> BpfCommand.OBJ_PIN;
            case "objGet" -> BpfCommand.OBJ_GET;
            case "nextId" -> byType.get((Bpf.ObjectType) args[0])[0];
            case "fdById" -> byType.get((Bpf.ObjectType) args[0])[1];
            case "mapInfo", "btfInfo", "btfData", "progInfo", "linkInfo" -> BpfCommand.OBJ_GET_INFO_BY_FD;
            default -> null; // ids() is a loop of nextId(); mmap and the fd count are no bpf(2) command
        };
    }

    static StructOpsLoaderComponent loader(Bpf bpf) {
        return new StructOpsLoaderComponent(
                new BpfObjectReaderComponent(),
                Loaders.BTF,
                KernelBtfSource.running(Loaders.BTF),
                new KernVdataBuilderComponent(),
                bpf);
    }

    record Snapshot(Map<Bpf.ObjectType, List<Integer>> ids, int fds) {
        static Snapshot now() throws Exception {
            Map<Bpf.ObjectType, List<Integer>> ids = new EnumMap<>(Bpf.ObjectType.class);
            for (Bpf.ObjectType t : new Bpf.ObjectType[] {
                Bpf.ObjectType.PROG, Bpf.ObjectType.MAP, Bpf.ObjectType.BTF, Bpf.ObjectType.LINK
            }) {
                ids.put(t, Loaders.BPF.ids(t));
            }
            return new Snapshot(ids, Loaders.BPF.openDescriptorCount());
        }

        /** Waits for the kernel to free what was released (it frees maps and programs after an RCU grace period). */
        void assertRestored(String what) throws Exception {
            assertEquals(fds, Loaders.BPF.openDescriptorCount(), what + ": descriptors of this process");
            for (Map.Entry<Bpf.ObjectType, List<Integer>> e : ids.entrySet()) {
                LoadOnKernelTest.assertGone(e.getValue(), e.getKey());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "tcp_cc_link.bpf.o",
                "tcp_cc_legacy.bpf.o",
                "tcp_cc_state.bpf.o",
                "tcp_cc_maps.bpf.o",
                "tcp_cc_kfunc.bpf.o",
                "tcp_cc_externs.bpf.o",
                "core_reads.bpf.o",
                "tcp_cc_shared.bpf.o",
                "tcp_cc_full.bpf.o"
            })
    void everyCommandOfALoadFailsCleanly(String example) throws Exception {
        java.nio.file.Path file = Loaders.example(example);
        // How many commands a clean load issues, the feature probe included (a fresh loader probes again).
        FailingBpf counting = new FailingBpf(0, 0);
        Snapshot before = Snapshot.now();
        LoadedObject clean = loader(counting.bpf).load(file, LoadOptions.defaults());
        int commands = counting.calls.get();
        clean.close();
        before.assertRestored(example + " loaded without faults");

        int failedCleanly = 0;
        List<String> survived = new ArrayList<>();
        for (int n = 1; n <= commands; n++) {
            int errno = ERRNOS[n % ERRNOS.length];
            FailingBpf failing = new FailingBpf(n, errno);
            String what = example + ", command " + n + " of " + commands;
            try {
                LoadedObject loaded = loader(failing.bpf).load(file, LoadOptions.defaults());
                survived.add(n + ": " + failing.failed);
                loaded.close();
            } catch (LoadException e) {
                failedCleanly++;
                assertTrue(
                        e.getMessage().startsWith(file.toString()),
                        what + ": the error names the object: " + e.getMessage());
                assertTrue(
                        e.getMessage().contains(Errno.name(errno)),
                        what + " (" + failing.failed + "): the error names the errno: " + e.getMessage());
            }
            before.assertRestored(what + " (" + failing.failed + " failed with " + Errno.name(errno) + ")");
        }
        System.out.println("FAULTS " + example + ": " + commands + " bpf(2) commands in a load, each failed in turn: "
                + failedCleanly + " loads refused cleanly, " + survived.size() + " survived the fault "
                + survived + "; nothing left in the kernel or open after any of them");
        assertTrue(failedCleanly > 0);
    }

    /** The struct_ops map the kernel's link {@code linkId} carries now. */
    static int linkedMap(int linkId) throws Exception {
        try (io.structops.syscall.BpfFd link =
                Loaders.BPF.fdById(Bpf.ObjectType.LINK, linkId).orElseThrow()) {
            return Loaders.BPF.linkInfo(link).structOpsMapId();
        }
    }

    @org.junit.jupiter.api.Test
    void everyCommandOfASwapFailsWithTheOldMapStillAttached() throws Exception {
        java.nio.file.Path v1 = Loaders.example("tcp_cc_link.bpf.o");
        java.nio.file.Path v2 = Loaders.example("tcp_cc_link_v2.bpf.o");
        Snapshot before = Snapshot.now();
        FailingBpf counting = new FailingBpf(0, 0);
        LoadedObject old = Loaders.LOADER.load(v1, LoadOptions.defaults());
        LoadedObject swapped = loader(counting.bpf).swap(old, "structops_fixed", v2, LoadOptions.defaults());
        int commands = counting.calls.get();
        swapped.close();
        old.close();
        before.assertRestored("swap without faults");

        int refused = 0;
        List<String> survived = new ArrayList<>();
        for (int n = 1; n <= commands; n++) {
            int errno = ERRNOS[n % ERRNOS.length];
            FailingBpf failing = new FailingBpf(n, errno);
            String what = "swap, command " + n + " of " + commands;
            old = Loaders.LOADER.load(v1, LoadOptions.defaults());
            int link = old.maps().get(0).linkId();
            int oldMap = old.maps().get(0).mapId();
            try {
                LoadedObject replacement = loader(failing.bpf).swap(old, "structops_fixed", v2, LoadOptions.defaults());
                survived.add(n + ": " + failing.failed);
                assertEquals(replacement.maps().get(0).mapId(), linkedMap(link), what + ": the link moved");
                replacement.close();
            } catch (LoadException e) {
                refused++;
                assertTrue(
                        e.getMessage().contains(Errno.name(errno)),
                        what + " (" + failing.failed + "): the error names the errno: " + e.getMessage());
                assertTrue(LoadOnKernelTest.registered("structops_fixed"), what + ": still registered");
                assertEquals(oldMap, linkedMap(link), what + " (" + failing.failed + "): the old map is attached");
                assertEquals(link, old.maps().get(0).linkId(), what + ": the old object still owns its link");
            } finally {
                old.close();
            }
            before.assertRestored(what + " (" + failing.failed + " failed with " + Errno.name(errno) + ")");
        }
        System.out.println("FAULTS swap tcp_cc_link -> tcp_cc_link_v2: " + commands + " bpf(2) commands, each failed"
                + " in turn: " + refused + " swaps refused with the old map still attached, " + survived.size()
                + " survived the fault " + survived + "; nothing left in the kernel or open after any of them");
        assertTrue(refused > 0);
    }
}
