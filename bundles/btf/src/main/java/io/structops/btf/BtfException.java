package io.structops.btf;

/**
 * BTF that cannot be used: malformed bytes, or a lookup that the BTF cannot answer. The message names the BTF (its
 * file or object), the type id or section at fault when there is one, and the problem, on one line.
 */
public class BtfException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int typeId;

    public BtfException(String source, int typeId, String problem) {
        super(source + ": " + (typeId >= 0 ? "type [" + typeId + "]: " : "") + problem);
        this.source = source;
        this.typeId = typeId;
    }

    public BtfException(String source, String problem) {
        this(source, -1, problem);
    }

    /** The BTF's name: a file, an object's {@code .BTF} section, or {@code vmlinux}. */
    public String source() {
        return source;
    }

    /** The type at fault, or -1 if the problem is not in one type. */
    public int typeId() {
        return typeId;
    }
}
