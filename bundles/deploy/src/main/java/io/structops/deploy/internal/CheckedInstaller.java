package io.structops.deploy.internal;

import java.io.File;
import java.nio.file.Path;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.slf4j.Logger;

/**
 * What the deploy directory's installers for bundles and configurations share: FileInstall reports a file, and the
 * installer applies it (new or changed) or removes it on a thread of its own, one file at a time, never by the path
 * after {@link DeployTrust} has read it.
 */
abstract class CheckedInstaller implements ArtifactInstaller {
    private final DeployWorker worker;
    private final String kind;

    CheckedInstaller(String kind, Logger log) {
        this.kind = kind;
        this.worker = new DeployWorker("structops-deploy-" + kind + "s", log, this);
    }

    /** Whether a file of this name is this installer's (names being written are never anyone's). */
    abstract boolean handles(String name);

    /** A new or changed file: checked, read and applied. */
    abstract void apply(Path file) throws Exception;

    /** A removed file: what it made goes. */
    abstract void remove(Path file) throws Exception;

    void shutdown() throws InterruptedException {
        worker.shutdown();
    }

    @Override
    public boolean canHandle(File artifact) {
        String name = artifact.getName();
        return handles(name) && !StableFile.temporary(name);
    }

    @Override
    public void install(File artifact) {
        Path file = artifact.toPath().toAbsolutePath().normalize();
        worker.submit(file, "apply " + kind, () -> apply(file));
    }

    @Override
    public void update(File artifact) {
        install(artifact);
    }

    @Override
    public void uninstall(File artifact) {
        Path file = artifact.toPath().toAbsolutePath().normalize();
        worker.submit(file, "remove " + kind, () -> remove(file));
    }
}
