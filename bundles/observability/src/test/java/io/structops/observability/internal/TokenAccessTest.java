package io.structops.observability.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TokenAccessTest {
    /** Who asked is logged: a name with a line break or spaces would let a token holder write log lines of their own. */
    @Test
    void aUserNameIsLoggedOnlyWhenItIsPlain() {
        assertEquals("ops", TokenAccess.loggable("ops"));
        assertEquals("(unprintable name)", TokenAccess.loggable("ops\n12:00:00 [main] INFO forged"));
        assertEquals("(unprintable name)", TokenAccess.loggable("two words"));
        assertEquals("(unprintable name)", TokenAccess.loggable("x".repeat(65)));
    }
}
