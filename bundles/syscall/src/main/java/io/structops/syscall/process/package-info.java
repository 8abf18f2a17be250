/**
 * This process's ties to the one that started it: {@link io.structops.syscall.process.ParentDeath} has the kernel
 * signal this process when its parent dies, so that a runtime started by a launcher script never outlives it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.structops.syscall.process;
