package io.structops.deploy;

import io.structops.loader.LoadedObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The objects of the deploy directory and what became of each. Offered as an OSGi service. */
@org.osgi.annotation.versioning.ProviderType
public interface DeployDirectory {

    /**
     * One object file of the directory.
     *
     * @param file the file
     * @param object what it attached, if its current content is (or its previous content still is) attached
     * @param outcome the last attempt's result in words: "deployed ...", "swapped ...", or why it failed
     * @param attempts how many times the file has been processed (deployed, replaced, re-optioned)
     */
    record Deployment(Path file, Optional<LoadedObject> object, String outcome, int attempts) {
    }

    /** Every object file the directory has seen and not seen removed, in the order they came. */
    List<Deployment> deployments();
}
