package org.l3ha.common.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces for tests (needs root): created with a test prefix, and on {@link #close()}
 * every process left inside them is killed by pid (they can only be the test's own) and the
 * namespaces are deleted, even if the test failed.
 */
public final class Netns implements AutoCloseable {
    /** Prefix of every namespace a test creates, so leftovers are easy to recognise. */
    public static final String TEST_PREFIX = "l3ha-test-";

    private final List<String> created = new ArrayList<>();

    /** Creates {@code name} (use a Neutron-like name such as qrouter-&lt;uuid&gt;, or a test-prefixed one). */
    public String add(String name) throws IOException {
        run("ip", "netns", "add", name);
        created.add(name);
        run("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up");
        return name;
    }

    /** Creates a namespace named with the test prefix and a random suffix. */
    public String addTestNamespace() throws IOException {
        return add(TEST_PREFIX + UUID.randomUUID().toString().substring(0, 8));
    }

    /** A random router id whose qrouter namespace this fixture creates and removes. */
    public String addRouterNamespace(String routerId) throws IOException {
        return add("qrouter-" + routerId);
    }

    /** Joins two namespaces with a veth pair and brings both ends up. */
    public void veth(String ns1, String dev1, String ns2, String dev2) throws IOException {
        run("ip", "link", "add", dev1, "netns", ns1, "type", "veth", "peer", "name", dev2, "netns", ns2);
        exec(ns1, "ip", "link", "set", dev1, "up");
        exec(ns2, "ip", "link", "set", dev2, "up");
    }

    /** Runs a command inside {@code ns}; fails with its output if it exits non-zero. */
    public String exec(String ns, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(command));
        return run(cmd.toArray(String[]::new));
    }

    /** @return pids of the processes running inside {@code ns} */
    public List<Long> pids(String ns) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (String line : run("ip", "netns", "pids", ns).split("\\s+")) {
            if (!line.isBlank()) {
                pids.add(Long.parseLong(line.trim()));
            }
        }
        return pids;
    }

    /** Kills what runs inside the namespaces this fixture made, then deletes them. Never throws. */
    @Override
    public void close() {
        for (String ns : created) {
            try {
                for (long pid : pids(ns)) {
                    if (pid > 1 && pid != ProcessHandle.current().pid()) {
                        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the namespace may be gone already
            }
            try {
                run("ip", "netns", "del", ns);
            } catch (IOException | RuntimeException e) {
                // already deleted
            }
        }
        created.clear();
    }

    /** Runs a command; fails with its output if it exits non-zero or takes over 60 s. */
    public static String run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": timed out");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + out.trim());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
    }
}
