package io.structops.observability.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** ConfigAdmin PID {@code io.structops.observability}: what the HTTP side of the runtime is given. */
@ObjectClassDefinition(name = "structops observability")
@interface ObservabilityConfig {
    @AttributeDefinition(
            description = "A file holding the token that requests from beyond loopback, and the console, must bring"
                    + " (mode 600, owned by the service's user or root)")
    String tokenFile() default "";

    @AttributeDefinition(
            description = "Hold the kernel's program run statistics on while the endpoints are served, so that"
                    + " /metrics shows run counts and times (each run costs a little more)")
    boolean programStats() default false;
}
