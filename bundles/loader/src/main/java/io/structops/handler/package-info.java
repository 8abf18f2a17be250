/**
 * The handler SPI: struct-specific policy for struct_ops maps, contributed by bundles as
 * {@link io.structops.handler.StructOpsHandler} services keyed by the kernel struct they handle. The loader keeps
 * owning every kernel object; a handler validates, watches attach, detach and swap, and reports status. A struct
 * without a handler loads through the generic path and is listed as unmanaged.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.5.0")
package io.structops.handler;
