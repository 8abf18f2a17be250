package io.structops.console.internal;

import io.structops.observability.HttpAccess;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may use the Web Console, all of it: whoever brings the runtime's token (HTTP Basic with the token as the
 * password, the user name being who asked; or a bearer token), from anywhere, loopback included, since the console
 * can change what runs in the kernel. Without a token configured nobody is let in. The runtime's framework property
 * {@code felix.webconsole.security.providers=structops} makes the console wait for this provider, so the console's
 * own default user never serves.
 */
@Component(property = {SecurityProvider.PROPERTY_ID + "=structops", "service.ranking:Integer=1000"})
public class ConsoleSecurity implements SecurityProvider {
    /** The request attribute that names who asked, for the page's log lines. */
    static final String USER = "io.structops.console.user";

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleSecurity.class);

    @Reference
    private HttpAccess access;

    @Override
    public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
        Optional<String> who = access.authenticated(request);
        if (who.isPresent()) {
            request.setAttribute(USER, who.get());
            return who.get();
        }
        try {
            response.setHeader("WWW-Authenticate", "Basic realm=\"structops console\", charset=\"UTF-8\"");
            response.setContentType("text/plain; charset=utf-8");
            response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            response.getWriter()
                    .println(
                            access.tokenConfigured()
                                    ? "the console needs the runtime's token as the password"
                                    : "the console is closed: the runtime has no token (--token-file)");
        } catch (IOException e) {
            LOG.debug("console: could not refuse {}: {}", request.getRemoteAddr(), e.toString());
        }
        return null;
    }

    @Override
    public boolean authorize(Object user, String role) {
        return user != null;
    }

    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response) {
        // Basic credentials live in the browser; there is no session to end.
    }
}
