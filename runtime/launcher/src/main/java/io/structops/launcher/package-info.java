/** The runtime's launcher: Felix with the resolved bundles on the class path (OSGi Connect), and the main thread. */
package io.structops.launcher;
