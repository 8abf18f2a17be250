package io.structops.elf;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Initialised (non-zero) bytes of a struct_ops variable outside its function-pointer slots, grouped by aligned
 * 8-byte words. Member names and types come from BTF; without it this is what the ELF alone tells.
 */
public record DataRun(long offset, byte[] bytes) {
    public DataRun {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    /** The bytes as text if they are printable ASCII up to a NUL (as in {@code char name[16]}), else null. */
    public String asText() {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            int c = bytes[end] & 0xff;
            if (c < 0x20 || c > 0x7e) {
                return null;
            }
            end++;
        }
        for (int i = end; i < bytes.length; i++) {
            if (bytes[i] != 0) {
                return null;
            }
        }
        return end == 0 ? null : new String(bytes, 0, end, StandardCharsets.US_ASCII);
    }
}
