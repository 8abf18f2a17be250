package io.structops.deploy.internal;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * One thread on which a kind of deploy-directory file is handled, in the order FileInstall reported the files:
 * waiting for a file to settle must not hold up FileInstall's thread, which also makes the configurations an object
 * waits for. Whatever goes wrong in a step is logged in one line naming the file and the step.
 */
final class DeployWorker {
    /** A step that may fail. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private final ExecutorService executor;
    private final Logger log;
    private final Object lock;

    DeployWorker(String name, Logger log, Object lock) {
        this.log = log;
        this.lock = lock;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    void submit(Path file, String step, Step work) {
        executor.execute(() -> {
            synchronized (lock) {
                try {
                    work.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    log.error("{}: {} failed: {}", file, step, e.toString());
                }
            }
        });
    }

    /** Lets the queued steps finish (a minute at most), then stops the thread. */
    void shutdown() throws InterruptedException {
        executor.shutdown();
        if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
            log.warn("a deployment still runs after 60 s; stopping without it");
            executor.shutdownNow();
        }
    }
}
