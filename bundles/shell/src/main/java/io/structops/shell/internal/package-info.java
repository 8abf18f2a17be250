/** Gogo commands and the launcher's main thread; nothing here is API. */
package io.structops.shell.internal;
