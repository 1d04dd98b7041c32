package org.l3ha.itests.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch directories. */
public final class Dirs {
    private Dirs() {
    }

    /** Deletes {@code dir} with everything in it, as far as it can (best effort; never throws). */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: what is left is in a scratch directory
                }
            });
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }
}
