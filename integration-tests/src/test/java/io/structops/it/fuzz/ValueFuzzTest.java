package io.structops.it.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.internal.BtfReaderComponent;
import io.structops.elf.internal.BpfObjectReaderComponent;
import io.structops.kernel.objects.BtfValues;
import io.structops.kernel.objects.Value;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed values, both ways, over the types of a real object ({@code tcp_cc_report.bpf.o}: structs keyed and valued,
 * enums, char arrays, a ring buffer record) and of {@code tcp_cc_state.bpf.o} (nested structs, byte arrays): any bytes
 * decode without an exception; what decodes encodes again to the type's size or is refused with
 * IllegalArgumentException; integers and enums come back byte for byte; and any tree a user could type (the fuzzer
 * builds it) is encoded or refused, never anything else.
 */
class ValueFuzzTest {
    static final List<Btf> TYPES = List.of(btf("tcp_cc_report.bpf.o"), btf("tcp_cc_state.bpf.o"));
    static final int MAX_SIZE = 4096;

    private static Btf btf(String object) {
        try {
            Path file = Path.of(System.getProperty("structops.examples"), object);
            BtfReaderComponent reader = new BtfReaderComponent();
            return reader.read(new BpfObjectReaderComponent().read(file)).orElseThrow();
        } catch (Exception e) {
            throw new IllegalStateException(object + ": " + e, e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void values(FuzzedDataProvider data) throws Exception {
        Btf btf = TYPES.get(data.consumeInt(0, TYPES.size() - 1));
        int id = data.consumeInt(1, btf.typeCount() - 1);
        long size;
        try {
            size = btf.size(id);
        } catch (BtfException e) {
            return; // a function, a VAR: no value
        }
        if (size <= 0 || size > MAX_SIZE) {
            return;
        }
        byte[] bytes = Arrays.copyOf(data.consumeBytes((int) size), (int) size);
        Value decoded = BtfValues.decode(btf, id, bytes);
        try {
            byte[] again = BtfValues.encode(btf, id, decoded);
            assertEquals(size, again.length, "encoded to the type's size");
            BtfKind kind = btf.kind(btf.resolve(id));
            if (kind == BtfKind.ENUM
                    || kind == BtfKind.ENUM64
                    || kind == BtfKind.INT && !(decoded instanceof Value.Bool)) {
                assertArrayEquals(bytes, again, "a scalar comes back byte for byte");
            }
        } catch (IllegalArgumentException refused) {
            // a decoded union or non-text byte array may not encode back: refused with a reason is fine
        }
        try {
            BtfValues.encode(btf, id, tree(data, 3));
        } catch (IllegalArgumentException refused) {
            // what a user types may not fit: refused with a reason
        }
    }

    /** A value as a user might type one: scalars, text, structs of them, lists of them. */
    static Value tree(FuzzedDataProvider data, int depth) {
        int pick = data.consumeInt(0, depth <= 0 ? 4 : 6);
        return switch (pick) {
            case 0 -> new Value.Int(BigInteger.valueOf(data.consumeLong()).shiftLeft(data.consumeInt(0, 70)));
            case 1 -> new Value.Text(data.consumeString(24));
            case 2 -> new Value.Bool(data.consumeBoolean());
            case 3 -> new Value.Enum(data.consumeString(12), data.consumeLong());
            case 4 -> new Value.Raw(data.consumeBytes(16));
            case 5 -> {
                Map<String, Value> fields = new LinkedHashMap<>();
                int n = data.consumeInt(0, 4);
                for (int i = 0; i < n; i++) {
                    fields.put(data.consumeString(12), tree(data, depth - 1));
                }
                yield new Value.Struct(fields);
            }
            default -> {
                List<Value> elements = new ArrayList<>();
                int n = data.consumeInt(0, 4);
                for (int i = 0; i < n; i++) {
                    elements.add(tree(data, depth - 1));
                }
                yield new Value.Array(elements);
            }
        };
    }
}
