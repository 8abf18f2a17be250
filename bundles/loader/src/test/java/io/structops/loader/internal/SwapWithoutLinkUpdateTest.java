package io.structops.loader.internal;

import static io.structops.loader.internal.LoadOnKernelTest.assertGone;
import static io.structops.loader.internal.LoadOnKernelTest.registered;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The swap of a struct the kernel cannot update in place (sched_ext answers BPF_LINK_UPDATE with EOPNOTSUPP). This
 * kernel updates tcp_congestion_ops in place, so the refusal is injected: the real bpf(2) backend behind a
 * decorator that fails BPF_LINK_UPDATE (and, for the failure path, the next BPF_LINK_CREATE). Everything else,
 * detach and attach included, happens in the real kernel.
 */
@Tag("kernel")
class SwapWithoutLinkUpdateTest {

    /** Throws the fault to inject before a call of the real backend, or returns to let it through. */
    interface Fault {
        void before(String method) throws BpfException;
    }

    /** The loader over the real backend behind {@code fault}. */
    static StructOpsLoaderComponent loader(Fault fault) {
        Bpf bpf = (Bpf) Proxy.newProxyInstance(
                Bpf.class.getClassLoader(), new Class<?>[] {Bpf.class}, (proxy, method, args) -> {
                    fault.before(method.getName());
                    try {
                        return method.invoke(Loaders.BPF, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return new StructOpsLoaderComponent(
                new BpfObjectReaderComponent(),
                Loaders.BTF,
                KernelBtfSource.running(Loaders.BTF),
                new KernVdataBuilderComponent(),
                bpf);
    }

    /** The loader over the real backend, with {@code linkUpdate} refused and {@code linkCreate} failing from call N. */
    static StructOpsLoaderComponent loader(int failLinkCreateFrom) {
        AtomicInteger creates = new AtomicInteger();
        return loader(method -> {
            if (method.equals("linkUpdate")) {
                throw new BpfException(BpfCommand.LINK_UPDATE, Errno.EOPNOTSUPP, "injected", null);
            }
            if (method.equals("linkCreate")
                    && failLinkCreateFrom > 0
                    && creates.incrementAndGet() == failLinkCreateFrom) {
                throw new BpfException(BpfCommand.LINK_CREATE, Errno.EBUSY, "injected", null);
            }
        });
    }

    @Test
    void detachThenAttachReportsTheGap() throws Exception {
        List<Integer> progsBefore = Loaders.BPF.ids(Bpf.ObjectType.PROG);
        int fds = Loaders.BPF.openDescriptorCount();
        StructOpsLoaderComponent loader = loader(0);
        LoadedObject old = loader.load(Loaders.example("tcp_cc_link.bpf.o"), LoadOptions.defaults());
        int oldLink = old.maps().get(0).linkId();
        LoadedObject replacement =
                loader.swap(old, "structops_fixed", Loaders.example("tcp_cc_link_v2.bpf.o"), LoadOptions.defaults());
        try {
            assertTrue(registered("structops_fixed"));
            assertTrue(replacement.swapGap("structops_fixed").isPresent(), "the gap is reported");
            int newLink = replacement.maps().get(0).linkId();
            assertTrue(newLink != 0 && newLink != oldLink, "a new link: " + newLink + " after " + oldLink);
            assertEquals(0, old.maps().get(0).linkId());
            System.out.println("swap by detach and attach: no struct_ops attached for "
                    + replacement.swapGap("structops_fixed").get().toNanos() / 1000 + " us");
        } finally {
            old.close();
            assertTrue(registered("structops_fixed"), "closing the old object leaves the new one attached");
            replacement.close();
        }
        assertFalse(registered("structops_fixed"));
        assertGone(progsBefore, Bpf.ObjectType.PROG);
        assertEquals(fds, Loaders.BPF.openDescriptorCount());
    }

    @Test
    void aNewMapThatWillNotAttachPutsTheOldOneBack() throws Exception {
        List<Integer> progsBefore = Loaders.BPF.ids(Bpf.ObjectType.PROG);
        int fds = Loaders.BPF.openDescriptorCount();
        // The first BPF_LINK_CREATE attaches the old object; the second (the new map's) fails.
        StructOpsLoaderComponent loader = loader(2);
        LoadedObject old = loader.load(Loaders.example("tcp_cc_link.bpf.o"), LoadOptions.defaults());
        try {
            LoadException e = assertThrows(
                    LoadException.class,
                    () -> loader.swap(
                            old, "structops_fixed", Loaders.example("tcp_cc_link_v2.bpf.o"), LoadOptions.defaults()));
            assertTrue(
                    e.getMessage().contains("cannot update tcp_congestion_ops in place")
                            && e.getMessage().endsWith("the old map is attached again"),
                    e.getMessage());
            assertTrue(registered("structops_fixed"), "the old map is attached again");
            assertTrue(old.maps().get(0).linkId() != 0);
        } finally {
            old.close();
        }
        assertFalse(registered("structops_fixed"));
        assertGone(progsBefore, Bpf.ObjectType.PROG);
        assertEquals(fds, Loaders.BPF.openDescriptorCount());
    }

    /**
     * A legacy map's swap: the old map unregistered, the new one's registration refused (injected into the first
     * update after the unregistration). The kernel registers a legacy map once (a second update is EBUSY), so the old
     * one cannot come back: the error says so, and nothing is left registered or open.
     */
    @Test
    void aLegacyMapThatWillNotRegisterSaysTheOldOneIsGone() throws Exception {
        List<Integer> mapsBefore = Loaders.BPF.ids(Bpf.ObjectType.MAP);
        int fds = Loaders.BPF.openDescriptorCount();
        AtomicInteger deletes = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        StructOpsLoaderComponent loader = loader(method -> {
            if (method.equals("mapDelete")) {
                deletes.incrementAndGet();
            } else if (method.equals("mapUpdate") && deletes.get() == 1 && refused.getAndIncrement() == 0) {
                throw new BpfException(BpfCommand.MAP_UPDATE_ELEM, Errno.EBUSY, "injected", null);
            }
        });
        LoadedObject old = loader.load(Loaders.example("tcp_cc_legacy.bpf.o"), LoadOptions.defaults());
        try {
            LoadException e = assertThrows(
                    LoadException.class,
                    () -> loader.swap(
                            old, "structops_legacy", Loaders.example("tcp_cc_legacy.bpf.o"), LoadOptions.defaults()));
            assertTrue(
                    e.getMessage().contains("registering the new legacy map after unregistering the old failed")
                            && e.getMessage()
                                    .endsWith("the old map cannot be registered again (the kernel registers a legacy"
                                            + " map once): load its object again"),
                    e.getMessage());
            assertFalse(registered("so_legacy"));
        } finally {
            old.close();
        }
        assertFalse(registered("so_legacy"));
        assertGone(mapsBefore, Bpf.ObjectType.MAP);
        assertEquals(fds, Loaders.BPF.openDescriptorCount());
    }
}
