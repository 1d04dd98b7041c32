package org.l3ha.reporter.journal.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HealthResult;

class JournalHealthTest {
    @TempDir
    Path tmp;

    @Test
    void aFailingWriteIsAWarningUntilTheNextLineIsWritten() throws Exception {
        Path journal = tmp.resolve("ha-states.jsonl");
        JournalReporter r = new JournalReporter(Map.of("state_path", tmp.toString(), "path", journal.toString(), "host", "h"));
        assertEquals(HealthResult.Status.OK, r.check().status());
        Files.createDirectories(journal); // a directory in the way
        assertThrows(IOException.class, () -> r.report(Map.of("0b2c6e3a-1111-2222-3333-444455556666", "active")));
        assertEquals(HealthResult.Status.WARN, r.check().status());
        assertTrue(r.check().message().contains(journal.toString()), r.check().message());
        Files.delete(journal);
        r.report(Map.of("0b2c6e3a-1111-2222-3333-444455556666", "active"));
        assertEquals(HealthResult.Status.OK, r.check().status());
        assertEquals(Map.of("lines", 1L, "failures", 1L), r.counters());
    }
}
