package io.structops.deploy;

import io.structops.loader.LoadedObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** The files of the deploy directory and what became of each. Offered as an OSGi service. */
@ProviderType
public interface DeployDirectory {

    /**
     * One file of the directory: an object, a bundle or a configuration.
     *
     * @param file the file
     * @param object for an object, what it attached, if its current content is (or its previous content still is)
     *     attached; empty for other files
     * @param outcome the last attempt's result in words: "deployed ...", "swapped ...", "installed bundle ...",
     *     "applied as configuration ...", or why it failed or was refused
     * @param attempts how many times the file has been processed (deployed, replaced, re-optioned)
     */
    record Deployment(Path file, Optional<LoadedObject> object, String outcome, int attempts) {
        /**
         * The outcome's kind, its first word: {@code deployed}, {@code swapped}, {@code adopted}, {@code installed},
         * {@code applied}, or {@code failed} and {@code refused} for what did not go as configured.
         */
        public String result() {
            int end = 0;
            while (end < outcome.length() && Character.isLetter(outcome.charAt(end))) {
                end++;
            }
            return outcome.substring(0, end);
        }

        /** Whether the file is a BPF object (not a bundle or a configuration). */
        public boolean objectFile() {
            return isObjectFile(file.getFileName().toString());
        }

        /** Whether the last attempt did what the file asks (it neither failed nor was refused). */
        public boolean succeeded() {
            return !result().equals("failed") && !result().equals("refused");
        }
    }

    /** Whether a file of this name is a BPF object the directory loads: {@code NAME.o} or {@code NAME.bpf.o}. */
    static boolean isObjectFile(String name) {
        return name.endsWith(".o");
    }

    /** Every file the directory acted on and has not seen removed: its objects, then its bundles and configurations. */
    List<Deployment> deployments();

    /**
     * The object files in the directory it has not acted on yet (just dropped, or present when the runtime started
     * and not reached yet): until this is empty, {@link #deployments} does not yet say what the directory holds.
     */
    List<Path> waiting();
}
