package io.structops.btf;

import java.util.List;
import java.util.Map;

/**
 * {@code .BTF.ext}: per code section, the function and line records the verifier uses and the CO-RE relocations the
 * loader applies. Instruction offsets are in bytes from the start of the section, as clang writes them.
 */
public record BtfExt(
        Map<String, List<FuncInfo>> funcInfo,
        Map<String, List<LineInfo>> lineInfo,
        Map<String, List<CoreRelo>> coreRelos,
        int funcInfoRecordSize,
        int lineInfoRecordSize,
        int coreReloRecordSize) {

    public BtfExt {
        funcInfo = Map.copyOf(funcInfo);
        lineInfo = Map.copyOf(lineInfo);
        coreRelos = Map.copyOf(coreRelos);
    }

    public record FuncInfo(long insnOffset, int typeId) {}

    /** {@code lineCol}: line number in bits 10-31, column in bits 0-9. */
    public record LineInfo(long insnOffset, int fileNameOffset, int lineOffset, int lineCol) {
        public int line() {
            return lineCol >>> 10;
        }

        public int column() {
            return lineCol & 0x3ff;
        }
    }

    /** A CO-RE relocation: the instruction, the local root type, the access string and what to compute. */
    public record CoreRelo(long insnOffset, int typeId, int accessStringOffset, CoreReloKind kind) {}

    public enum CoreReloKind {
        FIELD_BYTE_OFFSET,
        FIELD_BYTE_SIZE,
        FIELD_EXISTS,
        FIELD_SIGNED,
        FIELD_LSHIFT_U64,
        FIELD_RSHIFT_U64,
        TYPE_ID_LOCAL,
        TYPE_ID_TARGET,
        TYPE_EXISTS,
        TYPE_SIZE,
        ENUMVAL_EXISTS,
        ENUMVAL_VALUE,
        TYPE_MATCHES;

        private static final CoreReloKind[] BY_NUMBER = values();

        public static CoreReloKind of(int number) {
            return number >= 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
        }
    }
}
