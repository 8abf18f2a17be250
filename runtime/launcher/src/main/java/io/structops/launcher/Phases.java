package io.structops.launcher;

/** The time of each phase since the last, on stderr, when asked for. */
final class Phases {
    private final boolean on;
    private long lastNano = System.nanoTime();
    private long bundleNano = lastNano;

    Phases(boolean on) {
        this.on = on;
    }

    /** A bundle's start, when it took a while: most of a command's start-up is its bundles' components. */
    void bundle(String name) {
        long now = System.nanoTime();
        if (on && now - bundleNano >= 3_000_000L) {
            System.err.printf("structops:   %-40s %5d ms%n", name, (now - bundleNano) / 1_000_000);
        }
        bundleNano = now;
    }

    void done(String phase) {
        long now = System.nanoTime();
        if (on) {
            System.err.printf("structops: %-14s %5d ms%n", phase, (now - lastNano) / 1_000_000);
        }
        lastNano = now;
        bundleNano = now;
    }
}
