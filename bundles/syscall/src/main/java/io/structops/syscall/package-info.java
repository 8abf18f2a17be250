/**
 * The {@code bpf(2)} system call: {@link io.structops.syscall.Bpf} issues commands, {@link io.structops.syscall.BpfFd}
 * owns the file descriptors they return, {@link io.structops.syscall.BpfException} carries the command, the errno
 * and, for program and BTF loads, the kernel's log.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("3.2.0")
package io.structops.syscall;
