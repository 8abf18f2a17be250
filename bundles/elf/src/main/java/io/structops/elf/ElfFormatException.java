package io.structops.elf;

/**
 * An object file that cannot be read as a BPF ELF object. The message always has the form
 * {@code FILE: WHERE: PROBLEM} so that a command can print it as a single line.
 */
public class ElfFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final String where;
    private final String problem;

    public ElfFormatException(String file, String where, String problem) {
        super(oneLine(file) + ": " + oneLine(where) + ": " + oneLine(problem));
        this.file = file;
        this.where = where;
        this.problem = problem;
    }

    /** Names read from a damaged file may hold any byte; escape control characters so the message stays one line. */
    private static String oneLine(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The object's name as given to the reader. */
    public String file() {
        return file;
    }

    /** The part of the file at fault: the header, a section, a symbol or a relocation. */
    public String where() {
        return where;
    }

    /** What is wrong with it. */
    public String problem() {
        return problem;
    }
}
