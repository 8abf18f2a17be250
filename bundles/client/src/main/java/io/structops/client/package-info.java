/**
 * The command socket of a running structops service: {@link io.structops.client.Protocol} (what a client sends and
 * the frames the service answers with) and {@link io.structops.client.Client}, the launcher's client, which starts
 * no OSGi framework.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.structops.client;
