package io.structops.observability;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Who may read or act over HTTP: the one rule the runtime's endpoints and pages share. Credentials are the token of
 * the file the service was given ({@code --token-file}, or {@code tokenFile} in ConfigAdmin PID
 * {@code io.structops.observability}), brought as {@code Authorization: Bearer TOKEN} or as the password of HTTP
 * Basic (whose user name is then who asked, for the log). A service; thread-safe.
 */
@ProviderType
public interface HttpAccess {

    /** Who brought the token with {@code request} (the Basic user name, or {@code bearer}); empty without it. */
    Optional<String> authenticated(HttpServletRequest request);

    /** Whether {@code request} came from this machine to a loopback address. */
    boolean fromThisMachine(HttpServletRequest request);

    /** Whether a valid token is configured at all: without one, nothing needing it is ever allowed. */
    boolean tokenConfigured();
}
