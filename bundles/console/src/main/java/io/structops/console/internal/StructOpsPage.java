package io.structops.console.internal;

import io.structops.shell.CommandRunner;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.apache.felix.webconsole.servlet.AbstractServlet;
import org.apache.felix.webconsole.servlet.ServletConstants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's structops page ({@code /system/console/structops}): the struct_ops maps in the kernel (this runtime's
 * and others'), the handlers, the deploy directory's files, sched_ext's state and a live chart of a chosen map's
 * figures, drawn by the page's own script from {@code state.json}, which is what {@code list}, {@code handlers},
 * {@code deployed} and {@code status} print with {@code --json}. Two actions change the kernel, each a POST that
 * must carry the header {@value #ACTION_HEADER} (a form of another site cannot) and is logged with who asked:
 * {@code unload} (a map) and {@code swap} (a map, to an uploaded object).
 */
@Component(
        service = Servlet.class,
        property = {
            ServletConstants.PLUGIN_LABEL + "=" + StructOpsPage.LABEL,
            ServletConstants.PLUGIN_TITLE + "=structops",
            ServletConstants.PLUGIN_CATEGORY + "=structops"
        })
public class StructOpsPage extends AbstractServlet {
    static final String LABEL = "structops";
    static final String ACTION_HEADER = "X-Structops-Action";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(StructOpsPage.class);
    /** A map's name as the kernel keeps it (BPF_OBJ_NAME_LEN), or its id. */
    private static final String MAP = "[A-Za-z0-9_.]{1,15}|[0-9]{1,10}";
    /** The largest object a swap takes. */
    private static final long MAX_OBJECT = 64L << 20;

    @Reference
    private transient CommandRunner commands;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        if (("/" + LABEL + "/state.json").equals(request.getPathInfo())) {
            state(response);
            return;
        }
        super.doGet(request, response);
    }

    @Override
    public void renderContent(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String root = (String) request.getAttribute(ServletConstants.ATTR_PLUGIN_ROOT);
        String page = new String(
                        getClass().getResourceAsStream("/res/page.html").readAllBytes(), StandardCharsets.UTF_8)
                .replace("${pluginRoot}", root);
        response.getWriter().print(page);
    }

    /** The page's data: each command's JSON as the command line prints it, under the command's name. */
    private void state(HttpServletResponse response) throws IOException {
        setNoCache(response);
        response.setContentType("application/json; charset=utf-8");
        PrintWriter out = response.getWriter();
        out.print("{");
        String sep = "";
        for (String command : List.of("list", "handlers", "deployed", "status")) {
            Result r = run(List.of(command, "--json"));
            out.print(sep + "\"" + command + "\":" + (r.status == CommandRunner.OK ? r.out : "null"));
            sep = ",";
        }
        out.print("}");
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        String action = request.getPathInfo() == null ? "" : request.getPathInfo();
        if (!"1".equals(request.getHeader(ACTION_HEADER))) {
            response.sendError(HttpServletResponse.SC_FORBIDDEN, "an action needs the header " + ACTION_HEADER);
            return;
        }
        String map = request.getParameter("map");
        if (map == null || !map.matches(MAP)) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, "map: a map's name or id");
            return;
        }
        String who = String.valueOf(request.getAttribute(ConsoleSecurity.USER));
        switch (action) {
            case "/" + LABEL + "/unload" -> {
                LOG.info("console: {} from {} unloads {}", who, request.getRemoteAddr(), map);
                answer(response, run(List.of("unload", map)));
            }
            case "/" + LABEL + "/swap" -> swap(request, response, who, map);
            default -> response.sendError(HttpServletResponse.SC_NOT_FOUND);
        }
    }

    /** Swaps {@code map} to the uploaded object, kept meanwhile in a file only this runtime's user may read. */
    private void swap(HttpServletRequest request, HttpServletResponse response, String who, String map)
            throws IOException, ServletException {
        Part part = request.getPart("object");
        if (part == null || part.getSize() <= 0 || part.getSize() > MAX_OBJECT) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, "object: a BPF object of at most 64 MiB");
            return;
        }
        Path file = Files.createTempFile(
                "structops-console-",
                ".bpf.o",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            if (copy(part, file) > MAX_OBJECT) {
                response.sendError(HttpServletResponse.SC_BAD_REQUEST, "object: a BPF object of at most 64 MiB");
                return;
            }
            LOG.info(
                    "console: {} from {} swaps {} to an uploaded object ({}, {} bytes)",
                    who,
                    request.getRemoteAddr(),
                    map,
                    part.getSubmittedFileName(),
                    part.getSize());
            answer(response, run(List.of("swap", map, file.toString())));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Streams the upload into {@code file}, stopping past {@link #MAX_OBJECT} bytes whatever the part said of its
     * size; returns how many bytes it wrote (more than the limit means refused). Nothing is held in memory but a
     * buffer.
     */
    private static long copy(Part part, Path file) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long written = 0;
        try (InputStream in = part.getInputStream();
                OutputStream out = Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING)) {
            int n;
            while (written <= MAX_OBJECT && (n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                written += n;
            }
        }
        return written;
    }

    /** What a command printed, as the action's answer: 200 with its output, or 409 with its error. */
    private static void answer(HttpServletResponse response, Result r) throws IOException {
        response.setContentType("text/plain; charset=utf-8");
        response.setStatus(r.status == CommandRunner.OK ? HttpServletResponse.SC_OK : HttpServletResponse.SC_CONFLICT);
        response.getWriter().print(r.status == CommandRunner.OK ? r.out : r.err);
    }

    private record Result(int status, String out, String err) {}

    private Result run(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = commands.run(args, InputStream.nullInputStream(), o, e);
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
