package org.l3ha.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Where things are: the repository, Neutron's measurement tools beside it, the built assembly. */
final class BenchEnv {
    /** The Python that sees Debian's python3-neutron. */
    static final String PYTHON = "/usr/bin/python3";

    private BenchEnv() {
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("l3ha.repo.root", "../..")).toAbsolutePath().normalize();
    }

    /** @return {@code ../shared/bench} relative to the repository root; fails clearly if absent */
    static Path sharedBench() {
        Path dir = repoRoot().getParent().resolve("shared/bench");
        for (String f : List.of("LoadGen.java", "neutron_peer_server.py", "neutron_mass_failover.py")) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new IllegalStateException("Neutron's measurement tools are missing: expected " + dir.resolve(f)
                        + " (../shared/bench/ beside the repository root " + repoRoot() + ")");
            }
        }
        if (!Files.isExecutable(Path.of(PYTHON))) {
            throw new IllegalStateException(PYTHON + " is missing (it runs Neutron's code: python3-neutron)");
        }
        return dir;
    }

    /** @return the one {@code l3ha-*.tar.gz} the assembly module built */
    static Path assembly() throws IOException {
        Path dir = Path.of(System.getProperty("l3ha.assembly.dir", repoRoot() + "/features/assembly/target"));
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "l3ha-*.tar.gz")) {
                s.forEach(found::add);
            }
        }
        if (found.size() != 1) {
            throw new IllegalStateException("expected exactly one l3ha-*.tar.gz in " + dir
                    + " (build it: mvn -B install -DskipTests), found " + found);
        }
        return found.get(0);
    }

    /** @return a directory with LoadGen.class compiled from the shared LoadGen.java */
    static Path compileLoadGen(Path workDir) throws IOException, InterruptedException {
        Path classes = workDir.resolve("loadgen-classes");
        Files.createDirectories(classes);
        Path javac = Path.of(System.getProperty("java.home"), "bin", "javac");
        Proc.run(List.of(javac.toString(), "-d", classes.toString(), sharedBench().resolve("LoadGen.java").toString()),
                Duration.ofMinutes(2));
        return classes;
    }

    static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }
}
