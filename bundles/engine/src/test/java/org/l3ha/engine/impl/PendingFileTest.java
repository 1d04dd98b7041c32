package org.l3ha.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;
import org.l3ha.common.testing.LogCapture;

/** Handing pending transitions over in {@code state_path} and taking them back. */
class PendingFileTest {
    static final String R1 = "11111111-1111-1111-1111-111111111111";
    static final String R2 = "22222222-2222-2222-2222-222222222222";

    @TempDir
    Path state;

    @Test
    void whatIsHandedOverIsTakenOnceInOrder() {
        List<Transitions.Pending> pending = List.of(new Transitions.Pending(R2, HaState.PRIMARY, 1_700_000_000_000L),
                Transitions.Pending.removal(R1, 1_700_000_000_001L));
        try (LogCapture log = new LogCapture()) {
            PendingFile.handOver(state, pending);
            assertEquals(1, log.lines("INFO", "Transition engine stopped; 2 pending transitions handed over in "
                    + state.resolve(PendingFile.NAME)).size(), log.text());
        }
        assertTrue(Files.exists(state.resolve(PendingFile.NAME)));
        assertEquals(pending, PendingFile.take(state));
        assertFalse(Files.exists(state.resolve(PendingFile.NAME)), "taken: removed");
        assertEquals(List.of(), PendingFile.take(state), "nothing the second time");
    }

    @Test
    void nothingPendingRemovesAFileLeftFromBefore() throws IOException {
        Files.writeString(state.resolve(PendingFile.NAME), R1 + " backup 1\n");
        try (LogCapture log = new LogCapture()) {
            PendingFile.handOver(state, List.of());
            assertEquals(1, log.lines("INFO", "Transition engine stopped; no transition pending").size(), log.text());
        }
        assertFalse(Files.exists(state.resolve(PendingFile.NAME)));
    }

    @Test
    void aHandOverThatCannotBeWrittenIsAnErrorNamingTheFile() throws IOException {
        Path notADirectory = Files.writeString(state.resolve("file"), "x");
        try (LogCapture log = new LogCapture()) {
            PendingFile.handOver(notADirectory, List.of(new Transitions.Pending(R1, HaState.BACKUP, 1)));
            assertEquals(1, log.lines("ERROR", "Transition engine stopped; cannot hand over 1 pending transitions in "
                    + notADirectory.resolve(PendingFile.NAME)).size(), log.text());
        }
    }
}
