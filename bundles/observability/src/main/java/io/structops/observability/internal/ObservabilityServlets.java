package io.structops.observability.internal;

import io.structops.deploy.DeployDirectory;
import io.structops.handler.StructOpsHandlers;
import io.structops.kernel.objects.KernelObjectException;
import io.structops.kernel.objects.KernelPrograms;
import io.structops.kernel.objects.KernelStructOps;
import io.structops.loader.LoadStatistics;
import io.structops.loader.StructOpsRegistry;
import io.structops.observability.HttpAccess;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /healthz}, {@code /readyz} and {@code /metrics} on the servlet whiteboard (Felix's Jetty serves them when the
 * runtime is started with {@code --http}). Read-only: no request changes kernel state. GET only; any other method is
 * refused by the servlet base class.
 */
@Component(
        service = Servlet.class,
        property = {
            "osgi.http.whiteboard.servlet.pattern=/healthz",
            "osgi.http.whiteboard.servlet.pattern=/readyz",
            "osgi.http.whiteboard.servlet.pattern=/metrics",
            "osgi.http.whiteboard.servlet.name=structops-observability"
        },
        configurationPid = "io.structops.observability")
public class ObservabilityServlets extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ObservabilityServlets.class);
    private static final Path STATS_SYSCTL = Path.of("/proc/sys/kernel/bpf_stats_enabled");

    @Reference
    private transient KernelPrograms programs;

    @Reference
    private transient LoadStatistics loads;

    /** The kernel's statistics, held on while this component is active and asked to ({@code programStats}). */
    private transient AutoCloseable stats;

    @Reference
    private transient HttpAccess access;

    @Reference
    private transient StructOpsRegistry registry;

    @Reference
    private transient StructOpsHandlers handlers;

    @Reference
    private transient KernelStructOps kernel;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile DeployDirectory deploy;

    /** {@code programStats} comes from ConfigAdmin, or from the framework property {@code structops.programStats}. */
    @Activate
    void activate(ObservabilityConfig config, BundleContext context) {
        if (config.programStats() || Boolean.parseBoolean(context.getProperty("structops.programStats"))) {
            try {
                stats = programs.enableStats();
                LOG.info("program run statistics on while the endpoints are served");
            } catch (KernelObjectException e) {
                LOG.warn("program run statistics stay off: {}", e.getMessage());
            }
        }
    }

    @Deactivate
    void deactivate() {
        try {
            if (stats != null) {
                stats.close();
            }
        } catch (Exception e) {
            LOG.warn("program run statistics: {}", e.toString());
        }
        stats = null;
    }

    private boolean statsOn() {
        if (stats != null) {
            return true;
        }
        try {
            return Files.readString(STATS_SYSCTL).strip().equals("1");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        boolean admitted = admitted(request);
        switch (request.getServletPath()) {
            case "/healthz" -> text(response, HttpServletResponse.SC_OK, "ok\n");
            case "/readyz" -> ready(response, admitted);
            case "/metrics" -> {
                if (admitted) {
                    metrics(response);
                } else {
                    refuse(response);
                }
            }
            default -> response.sendError(HttpServletResponse.SC_NOT_FOUND);
        }
    }

    /**
     * A request from this machine (loopback to loopback) is served as it is; one from beyond must bring the token.
     * Probes ({@code /healthz}, {@code /readyz}'s status) need none, so that a kubelet can ask without a secret.
     */
    private boolean admitted(HttpServletRequest request) {
        return access.fromThisMachine(request) || access.authenticated(request).isPresent();
    }

    private void refuse(HttpServletResponse response) throws IOException {
        response.setHeader("WWW-Authenticate", "Bearer realm=\"structops\"");
        text(
                response,
                HttpServletResponse.SC_UNAUTHORIZED,
                !access.tokenConfigured()
                        ? "only requests from this machine are served: this runtime has no token (structops.http.tokenFile)\n"
                        : "a bearer token is needed from beyond this machine\n");
    }

    private void ready(HttpServletResponse response, boolean admitted) throws IOException {
        DeployDirectory d = deploy;
        if (d == null) {
            text(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "the deploy directory is not running\n");
            return;
        }
        List<String> reasons = Readiness.notReady(d.deployments(), d.waiting());
        if (reasons.isEmpty()) {
            text(response, HttpServletResponse.SC_OK, "ready\n");
        } else {
            // File names and causes only to whom may read the metrics too.
            text(
                    response,
                    HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                    admitted ? String.join("\n", reasons) + "\n" : "not ready\n");
        }
    }

    private void metrics(HttpServletResponse response) throws IOException {
        String body = new RuntimeMetrics(
                        registry, handlers, kernel, programs, loads, Optional.ofNullable(deploy), statsOn())
                .scrape();
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(PrometheusText.CONTENT_TYPE);
        response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    }

    private static void text(HttpServletResponse response, int status, String body) throws IOException {
        response.setStatus(status);
        response.setContentType("text/plain; charset=utf-8");
        response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    }
}
