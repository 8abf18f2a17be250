/**
 * Loading struct_ops objects: {@link io.structops.loader.StructOpsLoader} turns an object's struct_ops variables
 * into live kernel struct_ops maps; {@link io.structops.loader.LoadedObject} holds them until they are unloaded or
 * released; {@link io.structops.loader.StructOpsRegistry} keeps what this runtime loaded.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.7.0")
package io.structops.loader;
