package org.l3ha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class HaStateTest {

    @ParameterizedTest
    @CsvSource({
        "primary, PRIMARY", "PRIMARY, PRIMARY", "Primary, PRIMARY",
        "master, PRIMARY", "MASTER, PRIMARY",
        "backup, BACKUP", "BACKUP, BACKUP",
        "fault, FAULT", "FAULT, FAULT"
    })
    void parsesWhatMonitorsSend(String word, HaState expected) {
        assertEquals(expected, HaState.parse(word));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"unknown", "UNKNOWN", "fault ", " primary", "primary\n", "garbage", "active", "standby", "1"})
    void rejectsEverythingElse(String word) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HaState.parse(word));
        assertTrue(e.getMessage().startsWith("unknown state '"), e.getMessage());
        assertTrue(e.getMessage().indexOf('\n') < 0, "one line: " + e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"PRIMARY, active", "BACKUP, standby", "FAULT, standby", "UNKNOWN, unknown"})
    void translatesForTheServer(HaState state, String serverName) {
        assertEquals(serverName, state.serverName());
    }

    @ParameterizedTest
    @CsvSource({"PRIMARY, primary", "BACKUP, backup", "FAULT, fault", "UNKNOWN, unknown"})
    void writesNeutronsStateFileWords(HaState state, String word) {
        assertEquals(word, state.word());
    }

    @org.junit.jupiter.api.Test
    void rejectionMessageIsPrintableAndBounded() {
        String nasty = "\u0000\u0001x".repeat(50);
        String msg = assertThrows(IllegalArgumentException.class, () -> HaState.parse(nasty)).getMessage();
        assertTrue(msg.chars().allMatch(c -> c >= 0x20 && c < 0x7f), msg);
        assertTrue(msg.length() < 120, msg);
    }
}
