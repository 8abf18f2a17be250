package io.structops.handler.schedext.internal;

import io.structops.handler.GlobalVariable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Why a scheduler stopped, as its {@code ops.exit} wrote it: scx schedulers keep a user-exit-info struct in
 * {@code .data} ({@code kind}, {@code exit_code}, {@code reason}, {@code msg}) and copy the kernel's
 * {@code scx_exit_info} into it. Any global of that shape counts, whatever its name ({@code uei} in scx).
 *
 * @param kindName the kernel's name for {@code kind} ({@code SCX_EXIT_ERROR_BPF}), or the number if unknown
 * @param dump the kernel's debug dump (runqueues, tasks) that {@code UEI_RECORD} copied into {@code <variable>_dump}
 *     when the exit was an error; empty if none
 */
record ExitRecord(
        String variable, long kind, String kindName, long exitCode, String reason, String message, String dump) {

    static boolean isExitRecord(GlobalVariable v) {
        List<String> m = v.members();
        return m.contains("kind") && m.contains("exit_code") && m.contains("reason") && m.contains("msg");
    }

    /** The record, if the object has one and {@code ops.exit} filled it (kind not SCX_EXIT_NONE). */
    static Optional<ExitRecord> find(List<GlobalVariable> globals, LongFunction<String> names) {
        for (GlobalVariable v : globals) {
            if (isExitRecord(v) && v.integer("kind").orElse(0) != 0) {
                long kind = v.integer("kind").getAsLong();
                String dump = globals.stream()
                        .filter(d -> d.name().equals(v.name() + "_dump"))
                        .findFirst()
                        .flatMap(GlobalVariable::string)
                        .orElse("");
                return Optional.of(new ExitRecord(
                        v.name(),
                        kind,
                        names.apply(kind),
                        v.integer("exit_code").orElse(0),
                        v.string("reason").orElse(""),
                        v.string("msg").orElse(""),
                        dump));
            }
        }
        return Optional.empty();
    }

    /** SCX_EXIT_ERROR and above are errors; below are the unregistrations and SysRq. */
    boolean error() {
        return kind >= 1024;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kindName);
        m.put("exit_code", exitCode);
        m.put("reason", reason);
        m.put("message", message);
        if (!dump.isEmpty()) {
            m.put("dump", dump);
        }
        return m;
    }

    @Override
    public String toString() {
        return reason + (message.isEmpty() ? "" : ": " + message) + " (" + kindName + ", recorded by ops.exit in "
                + variable + ")";
    }
}
