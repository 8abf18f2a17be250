package io.structops.observability.internal;

import io.structops.deploy.DeployDirectory;
import io.structops.handler.StructOpsHandlers;
import io.structops.kernel.objects.KernelStructOps;
import io.structops.loader.StructOpsRegistry;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

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
        })
public class ObservabilityServlets extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Reference
    private transient StructOpsRegistry registry;

    @Reference
    private transient StructOpsHandlers handlers;

    @Reference
    private transient KernelStructOps kernel;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile DeployDirectory deploy;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        switch (request.getServletPath()) {
            case "/healthz" -> text(response, HttpServletResponse.SC_OK, "ok\n");
            case "/readyz" -> ready(response);
            case "/metrics" -> metrics(response);
            default -> response.sendError(HttpServletResponse.SC_NOT_FOUND);
        }
    }

    private void ready(HttpServletResponse response) throws IOException {
        DeployDirectory d = deploy;
        if (d == null) {
            text(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "the deploy directory is not running\n");
            return;
        }
        List<String> reasons = Readiness.notReady(d.deployments(), d.waiting());
        if (reasons.isEmpty()) {
            text(response, HttpServletResponse.SC_OK, "ready\n");
        } else {
            text(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, String.join("\n", reasons) + "\n");
        }
    }

    private void metrics(HttpServletResponse response) throws IOException {
        String body = new RuntimeMetrics(registry, handlers, kernel, Optional.ofNullable(deploy)).scrape();
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
