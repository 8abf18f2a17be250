package io.structops.console.internal;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses a request that would change something in the console (anything but GET, HEAD and OPTIONS) when a browser
 * says it comes from another site: its {@code Origin} is not this console's own, or its {@code Sec-Fetch-Site} is
 * not {@code same-origin} or {@code none}. A browser sends HTTP Basic credentials with a form posted from any site,
 * and the stock console's pages (bundle install, configuration) take plain form posts, so without this a page
 * elsewhere could act with the operator's credentials. Clients that are not browsers send neither header and are
 * judged by the token alone.
 */
@Component(
        service = Filter.class,
        property = {
            // The console serves from a servlet context of its own (at /system/console): the filter joins it.
            "osgi.http.whiteboard.context.select=(osgi.http.whiteboard.context.name=org.apache.felix.webconsole)",
            "osgi.http.whiteboard.filter.pattern=/*",
            "osgi.http.whiteboard.filter.name=structops-console-same-origin"
        })
public class SameOriginFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(SameOriginFilter.class);
    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        if (!READS.contains(request.getMethod()) && fromAnotherSite(request)) {
            LOG.warn(
                    "console: refused a {} of {} from another site (Origin {}, Sec-Fetch-Site {}) from {}",
                    request.getMethod(),
                    request.getRequestURI(),
                    request.getHeader("Origin"),
                    request.getHeader("Sec-Fetch-Site"),
                    request.getRemoteAddr());
            ((HttpServletResponse) res)
                    .sendError(HttpServletResponse.SC_FORBIDDEN, "a request from another site may change nothing");
            return;
        }
        chain.doFilter(req, res);
    }

    static boolean fromAnotherSite(HttpServletRequest request) {
        String site = request.getHeader("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return true;
        }
        String origin = request.getHeader("Origin");
        return origin != null && !origin.equalsIgnoreCase(request.getScheme() + "://" + request.getHeader("Host"));
    }
}
