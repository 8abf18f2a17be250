/** The deploy directory: objects dropped into FileInstall's directory are loaded, swapped and detached. */
package io.structops.deploy.internal;
