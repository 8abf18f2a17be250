package io.structops.elf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.structops.elf.ElfFile;
import io.structops.elf.ElfRelocation;
import io.structops.elf.ElfSection;
import io.structops.elf.ElfSymbol;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compares what the reader sees with GNU readelf, the peer for ELF structure: every section (name, offset, size,
 * link, info), every symbol (value, size, section, name) and every relocation (offset, symbol).
 */
class ReadelfCrossCheckTest {
    private static final Pattern SECTION = Pattern.compile(
            "^\\s*\\[\\s*(\\d+)]\\s(.*?)\\s+(NULL|PROGBITS|NOBITS|REL|RELA|SYMTAB|STRTAB|LLVM_ADDRSIG|\\S+)\\s+"
                    + "([0-9a-f]{16})\\s+([0-9a-f]+)\\s+([0-9a-f]+)\\s+[0-9a-f]+\\s+\\S*\\s*(\\d+)\\s+(\\d+)\\s+\\d+$");
    private static final Pattern SYMBOL =
            Pattern.compile("^\\s*(\\d+):\\s+([0-9a-f]+)\\s+(\\d+)\\s+(\\S+)\\s+\\S+\\s+\\S+\\s+(\\S+)\\s?(.*)$");
    private static final Pattern RELOC = Pattern.compile("^([0-9a-f]{16})\\s+([0-9a-f]{16})\\s.*$");

    private static List<String> readelf(String option, Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("readelf", "-W", option, file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "readelf failed: " + out);
        return out.lines().toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp_cc_link.bpf.o", "tcp_cc_link.bpfeb.o", "dummy_ops.bpf.o", "tcp_cc_shared.bpf.o"})
    void agreesWithReadelf(String name) throws Exception {
        Path path = Examples.path(name);
        ElfFile elf = ElfParser.parse(name, Examples.bytes(name));

        List<String> expected = new ArrayList<>();
        for (String line : readelf("-S", path)) {
            Matcher m = SECTION.matcher(line);
            if (m.matches()) {
                expected.add(m.group(1) + " " + m.group(2) + " " + Long.parseLong(m.group(5), 16) + " "
                        + Long.parseLong(m.group(6), 16) + " " + m.group(7) + " " + m.group(8));
            }
        }
        List<String> actual = new ArrayList<>();
        for (ElfSection s : elf.sections()) {
            actual.add(
                    s.index() + " " + s.name() + " " + s.offset() + " " + s.size() + " " + s.link() + " " + s.info());
        }
        assertEquals(expected, actual, "sections");

        expected.clear();
        for (String line : readelf("-s", path)) {
            Matcher m = SYMBOL.matcher(line);
            if (m.matches()) {
                String ndx = m.group(5).equals("UND") ? "0" : m.group(5);
                // readelf shows a section symbol under its section's name; the symbol itself has none.
                String symName = m.group(4).equals("SECTION") ? "" : m.group(6).trim();
                expected.add(m.group(1) + " " + Long.parseUnsignedLong(m.group(2), 16) + " " + m.group(3) + " " + ndx
                        + " " + symName);
            }
        }
        actual.clear();
        for (ElfSymbol s : elf.symbols()) {
            actual.add(s.index() + " " + s.value() + " " + s.size() + " " + s.sectionIndex() + " " + s.name());
        }
        assertEquals(expected, actual, "symbols");

        expected.clear();
        for (String line : readelf("-r", path)) {
            Matcher m = RELOC.matcher(line);
            if (m.matches()) {
                long info = Long.parseUnsignedLong(m.group(2), 16);
                expected.add(Long.parseUnsignedLong(m.group(1), 16) + " " + (info >>> 32) + " " + (int) info);
            }
        }
        actual.clear();
        for (ElfSection s : elf.sections()) {
            for (ElfRelocation r : elf.relocationsFor(s)) {
                actual.add(r.offset() + " " + r.symbol().index() + " " + r.type());
            }
        }
        // readelf lists relocation sections in file order; so does the reader, grouped by target in section order.
        assertEquals(
                expected.stream().sorted().toList(), actual.stream().sorted().toList(), "relocations");
    }
}
