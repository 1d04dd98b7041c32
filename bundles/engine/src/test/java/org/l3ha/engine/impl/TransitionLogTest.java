package org.l3ha.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.l3ha.api.HaState;
import org.l3ha.api.Transition;

class TransitionLogTest {

    @Test
    void keepsTheNewestTransitionsOfAllRoutersWithinItsCapacity() {
        TransitionLog log = new TransitionLog(4);
        log.add("a", 1, HaState.BACKUP);
        log.add("b", 2, HaState.BACKUP);
        log.add("a", 3, HaState.PRIMARY);
        log.add("b", 4, HaState.PRIMARY);
        log.add("a", 5, HaState.FAULT); // rolls "a"@1 off
        assertEquals(List.of(5L, 3L), log.history("a", 10).stream().map(t -> t.time().toEpochMilli()).toList());
        assertEquals(List.of(HaState.PRIMARY, HaState.BACKUP), log.history("b", 10).stream().map(Transition::state).toList());
        assertEquals(1, log.history("a", 1).size());
        assertEquals(List.of(), log.history("c", 10));
    }

    @Test
    void aForgottenRoutersEntriesAreGoneAndTheOthersKept() {
        TransitionLog log = new TransitionLog(4);
        log.add("a", 1, HaState.BACKUP);
        log.add("b", 2, HaState.BACKUP);
        log.add("a", 3, HaState.PRIMARY);
        log.forget("a");
        assertEquals(List.of(), log.history("a", 10));
        assertEquals(1, log.history("b", 10).size());
        log.add("a", 4, HaState.FAULT);
        log.add("c", 5, HaState.FAULT);
        log.add("c", 6, HaState.BACKUP); // the ring wraps over a blanked entry
        assertEquals(List.of(4L), log.history("a", 10).stream().map(t -> t.time().toEpochMilli()).toList());
        assertEquals(List.of(6L, 5L), log.history("c", 10).stream().map(t -> t.time().toEpochMilli()).toList());
    }
}
