package io.structops.kernel.objects.internal;

/**
 * Names as the kernel keeps them: a map's or program's name is cut to {@value #MAX} characters (BPF_OBJ_NAME_LEN
 * with its NUL), so {@code structops_legacy} is listed as {@code structops_legac}. Users name things as they wrote
 * them; both spellings find the object.
 */
final class KernelNames {
    static final int MAX = 15;

    private KernelNames() {}

    /** Whether {@code asked} (a name or a numeric id) names the object with this kernel name and id. */
    static boolean matches(String kernelName, int id, String asked) {
        return kernelName.equals(asked)
                || Integer.toString(id).equals(asked)
                || asked.length() > MAX && kernelName.length() == MAX && asked.startsWith(kernelName);
    }
}
