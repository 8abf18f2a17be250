package io.structops.handler;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One global variable of a loaded object ({@code .data}, {@code .bss}, {@code .rodata}, {@code .data.*}), as its
 * global data map held it when {@link StructOps#globals()} was called. Handlers read a scheduler's counters or the
 * exit record its {@code ops.exit} filled from here, typed through the object's own BTF.
 */
@ProviderType
public interface GlobalVariable {

    String name();

    /** The ELF section it lives in, e.g. {@code .bss}. */
    String section();

    /** The C type's name ({@code u64}, {@code struct user_exit_info}); empty for an anonymous type. */
    String typeName();

    /** Member names, in order, when the variable is a struct or union; empty otherwise. */
    List<String> members();

    /** The value of an integer, enum or bool variable; empty for any other type. */
    OptionalLong integer();

    /** An integer, enum or bool member's value; empty if there is no such member or it is not a number. */
    OptionalLong integer(String member);

    /** A {@code char[]} member as a C string (up to its first NUL); empty if there is no such text member. */
    Optional<String> string(String member);

    /** The variable itself as a C string, if it is a {@code char[]} (up to its first NUL); empty otherwise. */
    default Optional<String> string() {
        return Optional.empty();
    }
}
