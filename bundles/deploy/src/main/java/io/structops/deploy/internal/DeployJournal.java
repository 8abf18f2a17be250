package io.structops.deploy.internal;

import io.structops.loader.LoadException;
import io.structops.loader.LoadedObject;
import io.structops.loader.PinDirectory;
import io.structops.loader.StructOpsLoader;
import io.structops.syscall.files.OpenFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the deploy directory attached, recorded on the bpffs, where it outlives the runtime: each object file's
 * links (or legacy maps) pinned under {@code /sys/fs/bpf/structops/deploy-<hash of the directory's path>/} as
 * {@code <file name in hex>_<map>-link|-map}. A runtime that starts looks there first: what belongs to a file that
 * is no longer in the directory (removed while no runtime ran, or while one was being killed) is detached, so that
 * what stays attached is what the directory holds; what belongs to a file still there is adopted when the file is
 * deployed (StructOpsLoader.adopt), and recorded again.
 */
final class DeployJournal {
    private static final Logger LOG = LoggerFactory.getLogger(DeployJournal.class);
    static final Path ROOT = Path.of("/sys/fs/bpf/structops");

    private final Path deployDir;
    private final Path dir;
    private final StructOpsLoader loader;

    private DeployJournal(Path deployDir, Path dir, StructOpsLoader loader) {
        this.deployDir = deployDir;
        this.dir = dir;
        this.loader = loader;
    }

    /** The journal of {@code deployDir}; empty (with a warning) where there is no bpffs to keep it on. */
    static Optional<DeployJournal> open(String deployDir, StructOpsLoader loader) {
        if (deployDir == null || deployDir.isBlank()) {
            return Optional.empty();
        }
        Path deploy = Path.of(deployDir).toAbsolutePath().normalize();
        Path dir = ROOT.resolve("deploy-" + hash(deploy.toString()));
        Optional<String> problem = PinDirectory.problem(dir);
        if (problem.isPresent()) {
            LOG.warn(
                    "{}: what it attaches is not recorded ({}): objects removed while the runtime is down stay"
                            + " attached",
                    deploy,
                    problem.get());
            return Optional.empty();
        }
        return Optional.of(new DeployJournal(deploy, dir, loader));
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Entries of a file begin with its name in hex: bpffs names may not hold the dots file names have. */
    private static String prefix(Path file) {
        return HexFormat.of().formatHex(file.getFileName().toString().getBytes(StandardCharsets.UTF_8)) + "_";
    }

    /** Records what {@code object}, deployed from {@code file}, attached, in place of what was recorded for it. */
    void record(Path file, LoadedObject object) {
        if (!trusted()) {
            return;
        }
        forget(file);
        try {
            object.record(dir, prefix(file));
        } catch (LoadException e) {
            LOG.warn(
                    "{}: not recorded, so not detached if removed while the runtime is down: {}", file, e.getMessage());
        }
    }

    /** Removes what was recorded for {@code file} (after it was detached, or when it stays attached elsewhere). */
    void forget(Path file) {
        String prefix = prefix(file);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (entry.getFileName().toString().startsWith(prefix)) {
                    Files.deleteIfExists(entry);
                }
            }
        } catch (NoSuchFileException e) {
            return; // nothing recorded yet
        } catch (IOException e) {
            LOG.warn("{}: could not remove its records in {}: {}", file, dir, e.toString());
        }
        removeIfEmpty();
    }

    /** A journal with nothing in it goes, so that directories that come and go leave nothing on the bpffs. */
    private void removeIfEmpty() {
        try {
            Files.delete(dir);
        } catch (IOException e) {
            // not empty (or already gone)
        }
    }

    /**
     * {@code file} is gone, but this runtime never deployed it (it vanished before it settled, or while an earlier
     * runtime was being killed): what an earlier runtime recorded for it is detached.
     */
    void detachGone(Path file) {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                || !trusted()) {
            return;
        }
        String prefix = prefix(file);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (entry.getFileName().toString().startsWith(prefix)) {
                    detach(entry, file.toString());
                }
            }
        } catch (IOException e) {
            LOG.warn("{}: could not read what was recorded in {}: {}", file, dir, e.toString());
        }
    }

    private void detach(Path entry, String file) {
        try {
            loader.detachRecorded(entry);
            LOG.info(
                    "{}: gone from the directory while no runtime watched it; detached what it had attached ({})",
                    file,
                    entry.getFileName());
        } catch (LoadException e) {
            LOG.warn("{}: {}", entry.getFileName(), e.getMessage());
        }
    }

    /**
     * Whether the records may be acted on: the journal and the directory above it are root's (or the runtime's
     * user's) and writable by no one else, so that nobody else could have planted an entry to be detached.
     */
    private boolean trusted() {
        try {
            int uid = DeployTrust.runtimeUid();
            for (Path d : new Path[] {dir.getParent(), dir}) {
                if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
                    continue; // made by this runtime when it first records
                }
                Optional<String> problem =
                        DeployTrust.directoryProblem("the deploy journal", d, OpenFile.statusOf(d), false, uid);
                if (problem.isPresent()) {
                    LOG.warn("{}: its records are not used: {}", deployDir, problem.get());
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            LOG.warn("{}: its records are not used: {}", deployDir, e.toString());
            return false;
        }
    }

    /** At start: detaches what was recorded for files no longer in the directory. */
    void sweep() {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || !trusted()) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                int cut = name.indexOf('_');
                Optional<Path> file = cut <= 0 ? Optional.empty() : fileOf(name.substring(0, cut));
                if (file.isPresent() && Files.exists(file.get(), LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                detach(entry, file.map(Path::toString).orElse(name));
            }
        } catch (IOException e) {
            LOG.warn("{}: could not read what was recorded in {}: {}", deployDir, dir, e.toString());
        }
        removeIfEmpty();
    }

    private Optional<Path> fileOf(String hex) {
        try {
            String name = new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8);
            return name.contains("/") ? Optional.empty() : Optional.of(deployDir.resolve(name));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
