package org.l3ha.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.api.HaState.BACKUP;
import static org.l3ha.api.HaState.PRIMARY;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.l3ha.api.HaState;

/** The slot's packed fields: each reads back what was set, independently of the others. */
class SlotTest {
    static final String R1 = "11111111-1111-1111-1111-111111111111";

    static List<HaState> statesAndNone() {
        List<HaState> all = new ArrayList<>(Arrays.asList(HaState.values()));
        all.add(null);
        return all;
    }

    @Test
    void everyStateAndNoneReadsBackInEachOfTheThreeStateFields() {
        Slot s = new Slot(R1);
        for (HaState a : statesAndNone()) {
            for (HaState d : statesAndNone()) {
                for (HaState p : statesAndNone()) {
                    s.applied(a);
                    s.desired(d);
                    s.persisted(p);
                    assertEquals(a, s.applied(), "applied");
                    assertEquals(d, s.desired(), "desired");
                    assertEquals(p, s.persisted(), "persisted");
                    assertEquals(d != null && d != a ? d : null, s.pending(), "pending, applied " + a + " desired " + d);
                    assertEquals(a != null ? a : p, s.appliedOrPersisted(), "applied or persisted");
                }
            }
        }
    }

    @Test
    void thePhaseAndTheFlagsDoNotDisturbEachOther() {
        Slot s = new Slot(R1);
        assertEquals(Slot.IDLE, s.phase());
        assertFalse(s.dropped());
        assertFalse(s.routerChanged());
        for (byte phase : new byte[] {Slot.WAITING, Slot.QUEUED, Slot.IDLE, Slot.WAITING}) {
            s.phase(phase);
            assertEquals(phase, s.phase());
            assertFalse(s.routerChanged(), "router changed after phase " + phase);
        }
        s.routerChanged(true);
        assertTrue(s.routerChanged());
        assertEquals(Slot.WAITING, s.phase());
        assertFalse(s.desiredFromFile());
        s.desiredFromFile(true);
        assertTrue(s.desiredFromFile());
        assertTrue(s.routerChanged(), "router changed after from-file");
        assertEquals(Slot.WAITING, s.phase());
        s.phase(Slot.QUEUED);
        assertTrue(s.routerChanged());
        s.drop();
        assertTrue(s.dropped());
        assertTrue(s.routerChanged());
        assertEquals(Slot.QUEUED, s.phase());
        s.routerChanged(false);
        s.phase(Slot.IDLE);
        assertFalse(s.routerChanged());
        assertTrue(s.dropped(), "a dropped slot stays dropped");
        assertEquals(Slot.IDLE, s.phase());
        assertTrue(s.desiredFromFile());
        s.desiredFromFile(false);
        assertFalse(s.desiredFromFile());
        assertTrue(s.dropped());
    }

    @Test
    void anAnnouncedRemovalSetsTheDesiredStateAsideAndTheRarePartGoesWhenNothingIsInIt() {
        Slot s = new Slot(R1);
        assertFalse(s.holdsRarePart());
        assertEquals(Slot.NO_REMOVAL, s.removeAfter());
        s.desired(PRIMARY);
        s.applied(BACKUP);
        s.announceRemoval();
        assertTrue(s.holdsRarePart());
        assertNull(s.desired());
        assertEquals(BACKUP, s.applied());
        assertEquals(PRIMARY, s.desiredBeforeRemoval());
        assertEquals(Slot.ALL_LISTENERS, s.removeAfter());
        assertTrue(s.removalAnnounced());

        s.unknownStamp(7);
        s.clearRemoval();
        assertTrue(s.holdsRarePart(), "still held as unknown");
        assertEquals(7, s.unknownStamp());
        assertEquals(Slot.NO_REMOVAL, s.removeAfter());
        assertFalse(s.removalAnnounced());
        assertNull(s.desiredBeforeRemoval());
        s.unknownStamp(0);
        assertFalse(s.holdsRarePart());
    }

    @Test
    void aRemovalToldToLaterListenersKeepsItsGenerationAndNoStampIsNoRarePart() {
        Slot s = new Slot(R1);
        s.unknownStamp(0);
        s.removeAfter(Slot.NO_REMOVAL);
        assertFalse(s.holdsRarePart(), "nothing set: nothing allocated");
        s.removeAfter(Math.min(s.removeAfter(), 5));
        assertEquals(5, s.removeAfter());
        assertFalse(s.removalAnnounced());
        s.removeAfter(Math.min(s.removeAfter(), 9));
        assertEquals(5, s.removeAfter());
        s.clearRemoval();
        assertFalse(s.holdsRarePart());
    }
}
