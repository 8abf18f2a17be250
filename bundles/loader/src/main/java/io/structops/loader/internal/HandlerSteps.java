package io.structops.loader.internal;

import io.structops.handler.HandlerException;
import io.structops.handler.StructOps;
import io.structops.handler.StructOpsHandler;
import io.structops.handler.StructOpsHandlers;
import io.structops.loader.LoadException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How the loader asks a struct's handler at each step: one place turns a refusal into a LoadException. */
final class HandlerSteps {
    private static final Logger LOG = LoggerFactory.getLogger(HandlerSteps.class);

    private HandlerSteps() {}

    /** A step of a handler. */
    @FunctionalInterface
    interface Step {
        void run(StructOpsHandler handler) throws HandlerException;
    }

    /**
     * Runs a handler step for {@code view}'s struct if a handler is in charge of it now. A refusal, or a handler bug,
     * becomes a LoadException naming the handler and the step.
     */
    static void consult(StructOpsHandlers handlers, StructOps view, String step, Step call) throws LoadException {
        Optional<StructOpsHandlers.Handler> h = handlers.handlerFor(view.struct());
        if (h.isEmpty()) {
            return;
        }
        String who = view.object() + ": map " + view.mapName() + ": " + view.struct() + " handler ("
                + h.get().bundle() + " " + h.get().version() + ") " + step + ": ";
        try {
            call.run(h.get().handler());
        } catch (HandlerException e) {
            throw new LoadException(who + e.getMessage(), null, e);
        } catch (RuntimeException e) {
            throw new LoadException(who + "handler failed: " + e, null, e);
        }
    }

    /** A step after which nothing can be undone (detach): a failure is logged, not thrown. */
    static void notify(StructOpsHandlers handlers, StructOps view, String step, Step call) {
        try {
            consult(handlers, view, step, call);
        } catch (LoadException e) {
            LOG.warn("{}", e.getMessage());
        }
    }
}
