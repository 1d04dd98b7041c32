package org.l3ha.itests.drill;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.l3ha.common.testing.Exec;
import org.l3ha.itests.support.Pids;

/**
 * A second "machine" for named network namespaces: a mount namespace of its own with an empty
 * tmpfs on {@code /run/netns}, held by one {@code sleep} the drill starts. Two nodes of one router
 * both need a namespace {@code qrouter-<id>} (the name l3ha derives from the router id); the
 * second node's lives here, so its Karaf, keepalived, monitor and daemons run behind
 * {@link #prefix()} ({@code nsenter -t <holder> -m --}, which execs the rest) and see only their
 * own {@code qrouter-<id>}. The network namespace of the holder is the root one, so devices in it
 * are seen from both sides. {@link #close()} deletes the namespaces created here and ends the
 * holder: its mounts, and so the namespaces, go with it.
 */
final class MountNamespace implements AutoCloseable {
    private final Process holder;
    private final Set<String> namespaces = new LinkedHashSet<>();

    private MountNamespace(Process holder) {
        this.holder = holder;
    }

    /** Starts the holder; waits until its tmpfs is mounted. {@code log} gets its output. */
    static MountNamespace start(Path log) throws IOException {
        Files.createDirectories(Path.of("/run/netns"));
        Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "mount -t tmpfs l3ha-drill-netns /run/netns && echo ready && exec sleep infinity")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        MountNamespace m = new MountNamespace(p);
        try {
            await("mount namespace holder ready (" + log + ")").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .failFast("the holder exited: " + log, () -> !p.isAlive())
                    .until(() -> Files.readString(log).contains("ready"));
        } catch (RuntimeException | AssertionError e) {
            m.close();
            throw e;
        }
        return m;
    }

    long pid() {
        return holder.pid();
    }

    /** @return the command that runs the rest in this mount namespace */
    List<String> prefix() {
        return List.of("nsenter", "-t", Long.toString(holder.pid()), "-m", "--");
    }

    /** @return {@code command} behind {@link #prefix()} */
    List<String> wrap(List<String> command) {
        List<String> c = new ArrayList<>(prefix());
        c.addAll(command);
        return c;
    }

    /** Runs {@code command} here; fails with its output if it exits non-zero. */
    String exec(String... command) throws IOException {
        return Exec.ok(wrap(List.of(command)));
    }

    /** Creates network namespace {@code name} here, with {@code lo} up. */
    void addNetns(String name) throws IOException {
        exec("ip", "netns", "add", name);
        namespaces.add(name);
        exec("ip", "-n", name, "link", "set", "lo", "up");
    }

    /** Deletes the namespaces created here and ends the holder. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        if (holder.isAlive()) {
            for (String n : namespaces) {
                Exec.Result r = Exec.run(wrap(List.of("ip", "netns", "del", n)));
                if (!r.ok() && first == null) {
                    first = new IOException("ip netns del " + n + " (mount namespace of " + holder.pid() + "): " + r.out());
                }
            }
        }
        Pids.kill(List.of(holder.pid()));
        try {
            holder.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (first != null) {
            throw first;
        }
    }
}
