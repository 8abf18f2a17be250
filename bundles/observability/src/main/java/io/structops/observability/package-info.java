/** Access to the runtime's HTTP endpoints and pages: {@link io.structops.observability.HttpAccess}. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.structops.observability;
