/** Running structops commands from elsewhere in the runtime: {@link io.structops.shell.CommandRunner}. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.structops.shell;
