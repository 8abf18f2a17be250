package io.structops.observability.internal;

import io.structops.observability.HttpAccess;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link HttpAccess} by the token file: read once, checked as {@link BearerToken} says, closed when it fails. */
@Component(configurationPid = "io.structops.observability")
@Designate(ocd = ObservabilityConfig.class)
public class TokenAccess implements HttpAccess {
    private static final Logger LOG = LoggerFactory.getLogger(TokenAccess.class);

    /** Null: no valid token, so whatever needs one is refused. */
    private volatile BearerToken token;

    /** The file from ConfigAdmin, else from the framework property {@code structops.http.tokenFile}. */
    @Activate
    void activate(ObservabilityConfig config, BundleContext context) {
        String file = config.tokenFile().isEmpty()
                ? Objects.requireNonNullElse(context.getProperty("structops.http.tokenFile"), "")
                : config.tokenFile();
        if (!file.isEmpty()) {
            try {
                token = BearerToken.read(Path.of(file));
            } catch (IOException e) {
                LOG.error("http token: {}; requests that need it are refused", e.getMessage());
            }
        }
    }

    @Override
    public Optional<String> authenticated(HttpServletRequest request) {
        BearerToken t = token;
        String header = request.getHeader("Authorization");
        if (t == null || header == null) {
            return Optional.empty();
        }
        if (t.admits(header)) {
            return Optional.of("bearer");
        }
        if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String pair;
            try {
                pair = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = pair.indexOf(':');
            if (colon > 0 && t.admits("Bearer " + pair.substring(colon + 1))) {
                return Optional.of(loggable(pair.substring(0, colon)));
            }
        }
        return Optional.empty();
    }

    /**
     * The user name as log lines may show it: whoever has the token chooses it, so anything but a short run of
     * printable characters (a line break could forge a log line) is replaced.
     */
    static String loggable(String user) {
        return user.length() <= 64 && user.chars().allMatch(c -> c > ' ' && c <= '~') ? user : "(unprintable name)";
    }

    @Override
    public boolean fromThisMachine(HttpServletRequest request) {
        return loopback(request.getRemoteAddr()) && loopback(request.getLocalAddr());
    }

    @Override
    public boolean tokenConfigured() {
        return token != null;
    }

    private static boolean loopback(String address) {
        try {
            return address != null && InetAddress.ofLiteral(address).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
