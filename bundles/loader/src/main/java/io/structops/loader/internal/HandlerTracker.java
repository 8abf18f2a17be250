package io.structops.loader.internal;

import io.structops.handler.StructOpsHandler;
import io.structops.handler.StructOpsHandlers;
import io.structops.loader.LoadedMap;
import io.structops.loader.LoadedObject;
import io.structops.loader.StructOpsRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler services registered now, by struct. Dynamic and greedy: a handler bundle that is updated, replaced by
 * a higher-ranked one or uninstalled changes who manages the struct's attached maps at once, and never detaches
 * them; the log says which maps changed hands.
 */
@Component(service = StructOpsHandlers.class)
public class HandlerTracker implements StructOpsHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(HandlerTracker.class);

    private record Registered(ServiceReference<StructOpsHandler> reference, Handler handler) {}

    /** Every registration per struct; the one in charge is the highest-ranked. */
    private final Map<String, List<Registered>> byStruct = new TreeMap<>();

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile StructOpsRegistry registry;

    /** The struct a handler service names, or null when it names none. */
    static String structOf(ServiceReference<?> reference) {
        Object s = reference.getProperty(StructOpsHandler.STRUCT);
        return s instanceof String str && !str.isBlank() ? str.strip() : null;
    }

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addHandler(ServiceReference<StructOpsHandler> reference, StructOpsHandler handler) {
        String struct = structOf(reference);
        Bundle b = reference.getBundle();
        String bundle = b == null ? "?" : b.getSymbolicName();
        String version = b == null ? "?" : b.getVersion().toString();
        if (struct == null) {
            LOG.warn(
                    "handler service {} from bundle {} has no {} property; ignored",
                    reference.getProperty("service.id"),
                    bundle,
                    StructOpsHandler.STRUCT);
            return;
        }
        Handler h = new Handler(struct, bundle, version, (Long) reference.getProperty("service.id"), handler);
        Handler before;
        Handler after;
        synchronized (byStruct) {
            before = inCharge(struct);
            byStruct.computeIfAbsent(struct, k -> new ArrayList<>()).add(new Registered(reference, h));
            after = inCharge(struct);
        }
        if (after != before) {
            LOG.info("{} handler from {} {} now in charge{}", struct, bundle, version, managedNote(struct));
        }
    }

    void removeHandler(ServiceReference<StructOpsHandler> reference) {
        String struct = structOf(reference);
        if (struct == null) {
            return;
        }
        Handler before;
        Handler after;
        synchronized (byStruct) {
            before = inCharge(struct);
            List<Registered> list = byStruct.getOrDefault(struct, List.of());
            list.removeIf(r -> r.reference().equals(reference));
            if (list.isEmpty()) {
                byStruct.remove(struct);
            }
            after = inCharge(struct);
        }
        if (after == before) {
            return;
        }
        if (after == null) {
            LOG.info(
                    "{} handler from {} {} went away{}",
                    struct,
                    before.bundle(),
                    before.version(),
                    managedNote(struct).isEmpty()
                            ? ""
                            : managedNote(struct)
                                    .replace(
                                            "; managing",
                                            "; left attached" + " and unmanaged until a handler returns:"));
        } else {
            LOG.info(
                    "{} handler from {} {} now in charge{}",
                    struct,
                    after.bundle(),
                    after.version(),
                    managedNote(struct));
        }
    }

    private Handler inCharge(String struct) {
        List<Registered> list = byStruct.get(struct);
        if (list == null || list.isEmpty()) {
            return null;
        }
        // ServiceReference orders by ranking, then by age: the greatest is the one the framework would return.
        return list.stream()
                .max((a, b) -> a.reference().compareTo(b.reference()))
                .get()
                .handler();
    }

    private String managedNote(String struct) {
        StructOpsRegistry r = registry;
        if (r == null) {
            return "";
        }
        List<String> maps = new ArrayList<>();
        for (LoadedObject o : r.objects()) {
            for (LoadedMap m : o.maps()) {
                if (m.type().equals(struct)) {
                    maps.add(m.name() + " (map id " + m.mapId() + ")");
                }
            }
        }
        return maps.isEmpty() ? "" : "; managing " + String.join(", ", maps);
    }

    @Override
    public Optional<Handler> handlerFor(String struct) {
        synchronized (byStruct) {
            return Optional.ofNullable(inCharge(struct));
        }
    }

    @Override
    public Optional<Map<String, Object>> status(LoadedObject object, LoadedMap map) {
        Optional<Handler> h = handlerFor(map.type());
        if (h.isEmpty() || !(object instanceof Loaded loaded)) {
            return Optional.empty();
        }
        Optional<StructOpsView> view = loaded.view(map.name());
        if (view.isEmpty()) {
            return Optional.empty();
        }
        try {
            Map<String, Object> status = h.get().handler().status(view.get());
            return Optional.of(status == null ? Map.of() : status);
        } catch (RuntimeException e) {
            LOG.warn(
                    "{} handler from {} failed to report status of {}: {}",
                    map.type(),
                    h.get().bundle(),
                    map.name(),
                    e.toString());
            return Optional.of(Map.of("error", e.toString()));
        }
    }

    @Override
    public Map<String, Map<String, Object>> kernelStates() {
        Map<String, Map<String, Object>> states = new TreeMap<>();
        for (Handler h : handlers()) {
            try {
                Map<String, Object> state = h.handler().kernelState();
                if (state != null && !state.isEmpty()) {
                    states.put(h.struct(), state);
                }
            } catch (RuntimeException e) {
                LOG.warn(
                        "{} handler from {} failed to report the kernel's state: {}",
                        h.struct(),
                        h.bundle(),
                        e.toString());
                states.put(h.struct(), Map.of("error", e.toString()));
            }
        }
        return states;
    }

    @Override
    public List<Handler> handlers() {
        synchronized (byStruct) {
            List<Handler> all = new ArrayList<>();
            for (String struct : byStruct.keySet()) {
                all.add(inCharge(struct));
            }
            return all;
        }
    }
}
