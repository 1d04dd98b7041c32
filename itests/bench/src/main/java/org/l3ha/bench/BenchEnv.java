package org.l3ha.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.l3ha.common.testing.Exec;
import org.l3ha.itests.support.KarafAssembly;

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
        for (String f : List.of("LoadGen.java", "Floor.java", "neutron_peer_server.py", "neutron_mass_failover.py")) {
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
        return KarafAssembly.archive(Path.of(System.getProperty("l3ha.assembly.dir", repoRoot() + "/features/assembly/target")));
    }

    /** @return a directory with LoadGen.class compiled from the shared LoadGen.java */
    static Path compileLoadGen(Path workDir) throws IOException {
        return compileShared(workDir.resolve("loadgen-classes"), "LoadGen.java");
    }

    /** @return a directory with Floor.class compiled from the shared Floor.java */
    static Path compileFloor(Path workDir) throws IOException {
        return compileShared(workDir.resolve("floor-classes"), "Floor.java");
    }

    /** Compiles {@code ../shared/bench/<source>} into {@code classes}, once: an existing class file is kept. */
    private static Path compileShared(Path classes, String source) throws IOException {
        if (Files.isRegularFile(classes.resolve(source.replace(".java", ".class")))) {
            return classes;
        }
        Files.createDirectories(classes);
        Path javac = Path.of(System.getProperty("java.home"), "bin", "javac");
        Exec.ok(Duration.ofMinutes(2), null, List.of(javac.toString(), "-d", classes.toString(),
                sharedBench().resolve(source).toString()));
        return classes;
    }

    static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }
}
