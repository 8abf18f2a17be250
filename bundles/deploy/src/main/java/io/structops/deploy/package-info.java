/**
 * The deploy directory as a service: which dropped objects are attached, which failed and why.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.structops.deploy;
