/**
 * Files read as what they were when they were checked: {@link io.structops.syscall.files.OpenFile} opens a path
 * without following a symbolic link and describes the open descriptor ({@code statx}), so that what is read is what
 * was checked, whatever happens to the path in between.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package io.structops.syscall.files;
