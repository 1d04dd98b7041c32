package org.l3ha.common.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Network namespaces and veth pairs for tests (needs root). Every veth is created with both ends
 * directly inside namespaces, so deleting the namespaces removes them. {@link #close()} kills every
 * process left inside the namespaces by pid (they can only be the test's own) and deletes every
 * namespace this instance created, even if the test failed; {@link #leftovers()} tells what was
 * left for it to kill and what is still there.
 */
public final class Netns implements AutoCloseable {
    /** Prefix of every namespace a test creates, so leftovers are easy to recognise. */
    public static final String TEST_PREFIX = "l3ha-test-";

    private final Set<String> namespaces = new LinkedHashSet<>();
    private final Set<String> devices = new LinkedHashSet<>();
    private final List<String> killed = new ArrayList<>();

    /** Creates namespaces (one {@code ip -batch} for all of them), each with {@code lo} up. */
    public void add(List<String> names) throws IOException {
        StringBuilder batch = new StringBuilder();
        for (String n : names) {
            if (!namespaces.add(n)) {
                throw new IllegalArgumentException("namespace created twice: " + n);
            }
            batch.append("netns add ").append(n).append('\n');
        }
        Exec.ok(Exec.DEFAULT_TIMEOUT, batch.toString(), List.of("ip", "-batch", "-"));
        for (String n : names) {
            Exec.ok("ip", "-n", n, "link", "set", "lo", "up");
        }
    }

    /** Creates {@code name} (use a Neutron-like name such as qrouter-&lt;uuid&gt;, or a test-prefixed one). */
    public String add(String name) throws IOException {
        add(List.of(name));
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

    /** A veth pair as {@code ip link add <a> netns <nsA> type veth peer name <b> netns <nsB>}, down. */
    public record Veth(String nsA, String a, String nsB, String b) {
        String command() {
            return "link add " + a + " netns " + nsA + " type veth peer name " + b + " netns " + nsB;
        }
    }

    /** Creates veth pairs, down (one {@code ip -batch} for all of them). */
    public void veths(List<Veth> pairs) throws IOException {
        StringBuilder batch = new StringBuilder();
        for (Veth v : pairs) {
            if (v.a().length() > 15 || v.b().length() > 15) {
                throw new IllegalArgumentException("device name longer than 15: " + v);
            }
            devices.add(v.a());
            devices.add(v.b());
            batch.append(v.command()).append('\n');
        }
        Exec.ok(Exec.DEFAULT_TIMEOUT, batch.toString(), List.of("ip", "-batch", "-"));
    }

    /** Joins two namespaces with a veth pair and brings both ends up. */
    public void veth(String ns1, String dev1, String ns2, String dev2) throws IOException {
        veths(List.of(new Veth(ns1, dev1, ns2, dev2)));
        Exec.ok("ip", "-n", ns1, "link", "set", dev1, "up");
        Exec.ok("ip", "-n", ns2, "link", "set", dev2, "up");
    }

    /** Runs {@code ip -n <namespace> -batch -} with {@code lines} (e.g. "addr add ...", "link set ... up"). */
    public void batch(String namespace, List<String> lines) throws IOException {
        Exec.ok(Exec.DEFAULT_TIMEOUT, String.join("\n", lines) + "\n", List.of("ip", "-n", namespace, "-batch", "-"));
    }

    /** Runs a command inside {@code ns}; fails with its output if it exits non-zero. */
    public String exec(String ns, String... command) throws IOException {
        return Exec.ok(Exec.inNamespace(ns, command));
    }

    /** @return pids of the processes running inside {@code ns} */
    public List<Long> pids(String ns) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (String line : Exec.ok("ip", "netns", "pids", ns).split("\\s+")) {
            if (!line.isBlank()) {
                pids.add(Long.parseLong(line.trim()));
            }
        }
        return pids;
    }

    /** @return whether {@code address} (as "a.b.c.d/len") is on {@code device} in {@code namespace} */
    public static boolean hasAddress(String namespace, String device, String address) throws IOException {
        Exec.Result r = Exec.run("ip", "-n", namespace, "-o", "addr", "show", "dev", device);
        return r.ok() && r.out().contains(" " + address + " ");
    }

    /** @return the namespaces {@code ip netns list} shows */
    public static Set<String> list() throws IOException {
        Set<String> out = new LinkedHashSet<>();
        for (String line : Exec.ok("ip", "netns", "list").split("\n")) {
            String l = line.strip();
            if (!l.isEmpty()) {
                out.add(l.split("\\s+")[0]);
            }
        }
        return out;
    }

    /**
     * Kills what runs inside the namespaces this fixture made (by pid), then deletes those still
     * there (one {@code ip -force -batch}: one busy namespace does not keep the others). Never
     * throws: {@link #leftovers()} tells what it could not remove.
     */
    @Override
    public void close() {
        if (namespaces.isEmpty()) {
            return;
        }
        Set<String> present;
        try {
            present = list();
        } catch (IOException | RuntimeException e) {
            present = namespaces; // try to delete them all
        }
        StringBuilder batch = new StringBuilder();
        for (String ns : namespaces) {
            if (!present.contains(ns)) {
                continue;
            }
            try {
                for (long pid : pids(ns)) {
                    if (pid > 1 && pid != ProcessHandle.current().pid()) {
                        ProcessHandle.of(pid).ifPresent(h -> {
                            if (h.destroyForcibly()) {
                                killed.add("process " + pid + " in namespace " + ns + " (killed on close)");
                            }
                        });
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the namespace may be gone already
            }
            batch.append("netns del ").append(ns).append('\n');
        }
        if (batch.length() > 0) {
            try {
                Exec.run(Exec.DEFAULT_TIMEOUT, batch.toString(), List.of("ip", "-force", "-batch", "-"));
            } catch (IOException | RuntimeException e) {
                // what is left shows in leftovers()
            }
        }
    }

    /**
     * @return what {@link #close()} had to kill inside this instance's namespaces, and what is left
     *         of its namespaces and devices (in the root namespace), if anything
     */
    public List<String> leftovers() throws IOException {
        List<String> left = new ArrayList<>(killed);
        Set<String> present = list();
        for (String n : namespaces) {
            if (present.contains(n)) {
                left.add("namespace " + n);
            }
        }
        String rootLinks = Exec.ok("ip", "-o", "link", "show");
        for (String d : devices) {
            if (rootLinks.contains(": " + d + ":") || rootLinks.contains(": " + d + "@")) {
                left.add("device " + d + " in the root namespace");
            }
        }
        return left;
    }
}
