package io.structops.loader.internal;

import java.nio.ByteBuffer;

/**
 * One BPF instruction among a program's bytes (8 bytes each, the buffer little-endian), read and patched by field:
 * the opcode, the source register (which also carries the pseudo kinds: map fd, map value, BTF id, call, func), the
 * offset, the immediate, and the second half of a 16-byte {@code ld_imm64}. {@code at} is the instruction's byte
 * offset in the buffer.
 */
final class Insn {
    static final int SIZE = 8;
    /** BPF_LD | BPF_IMM | BPF_DW: a 64-bit immediate over two instructions. */
    static final int LD_IMM64 = 0x18;
    /** BPF_JMP | BPF_CALL. */
    static final int CALL = 0x85;

    private Insn() {}

    static int code(ByteBuffer insns, int at) {
        return insns.get(at) & 0xff;
    }

    static int src(ByteBuffer insns, int at) {
        return insns.get(at + 1) >> 4 & 0x0f;
    }

    /** Sets the source register, keeping the destination register. */
    static void src(ByteBuffer insns, int at, int src) {
        insns.put(at + 1, (byte) ((insns.get(at + 1) & 0x0f) | (src << 4)));
    }

    static short off(ByteBuffer insns, int at) {
        return insns.getShort(at + 2);
    }

    static void off(ByteBuffer insns, int at, short off) {
        insns.putShort(at + 2, off);
    }

    static int imm(ByteBuffer insns, int at) {
        return insns.getInt(at + 4);
    }

    static void imm(ByteBuffer insns, int at, int imm) {
        insns.putInt(at + 4, imm);
    }

    /** The immediate of an {@code ld_imm64}'s second half: the upper 32 bits, or a map value's offset. */
    static int imm2(ByteBuffer insns, int at) {
        return insns.getInt(at + SIZE + 4);
    }

    static void imm2(ByteBuffer insns, int at, int imm) {
        insns.putInt(at + SIZE + 4, imm);
    }

    /** An {@code ld_imm64}'s 64-bit immediate. */
    static long imm64(ByteBuffer insns, int at) {
        return Integer.toUnsignedLong(imm(insns, at)) | ((long) imm2(insns, at) << 32);
    }

    static void imm64(ByteBuffer insns, int at, long value) {
        imm(insns, at, (int) value);
        imm2(insns, at, (int) (value >>> 32));
    }

    /** Replaces the instruction with a call of helper {@code helper}, which no kernel has: the verifier names it. */
    static void poisonCall(ByteBuffer insns, int at, int helper) {
        insns.put(at, (byte) CALL).put(at + 1, (byte) 0);
        off(insns, at, (short) 0);
        imm(insns, at, helper);
    }
}
