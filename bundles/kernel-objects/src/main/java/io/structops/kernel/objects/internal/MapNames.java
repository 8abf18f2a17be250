package io.structops.kernel.objects.internal;

import io.structops.kernel.objects.KernelObjectException;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/** Finding one kernel object among many by what a user typed: one rule for maps and struct_ops maps alike. */
final class MapNames {
    private MapNames() {}

    static <T> T one(List<T> all, String asked, Function<T, String> name, ToIntFunction<T> id, String what)
            throws KernelObjectException {
        List<T> matches = all.stream()
                .filter(t -> KernelNames.matches(name.apply(t), id.applyAsInt(t), asked))
                .toList();
        if (matches.isEmpty()) {
            throw new KernelObjectException("no " + what + " named or numbered '" + asked + "' in the kernel", null);
        }
        if (matches.size() > 1) {
            throw new KernelObjectException(
                    matches.size() + " " + what + "s are named '" + asked + "' (ids "
                            + matches.stream()
                                    .map(t -> Integer.toString(id.applyAsInt(t)))
                                    .toList() + "); give an id",
                    null);
        }
        return matches.get(0);
    }
}
