package org.l3ha.itests.drill;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The network namespaces and veth pairs of one drill. Every veth is created with both ends
 * directly inside namespaces, so deleting the namespaces removes them; {@link #close()} deletes
 * every namespace this instance created and {@link #leftovers()} tells what is still there.
 */
final class Netns implements AutoCloseable {
    private final Set<String> namespaces = new LinkedHashSet<>();
    private final Set<String> devices = new LinkedHashSet<>();

    /**
     * Creates namespaces with {@code lo} up and IPv6 duplicate address detection off (addresses
     * keepalived adds on a new primary are usable at once, as with Neutron's {@code nodad}).
     */
    void add(List<String> names) throws IOException, InterruptedException {
        StringBuilder batch = new StringBuilder();
        for (String n : names) {
            if (!namespaces.add(n)) {
                throw new IllegalArgumentException("namespace created twice: " + n);
            }
            batch.append("netns add ").append(n).append('\n');
        }
        Exec.ok(Exec.DEFAULT_TIMEOUT, batch.toString(), List.of("ip", "-batch", "-"));
        for (String n : names) {
            Exec.ok(Exec.inNamespace(n, "sh", "-c", "ip link set lo up && sysctl -qw net.ipv6.conf.all.accept_dad=0 "
                    + "net.ipv6.conf.default.accept_dad=0"));
        }
    }

    void add(String... names) throws IOException, InterruptedException {
        add(List.of(names));
    }

    /** A veth pair as {@code ip link add <a> netns <nsA> type veth peer name <b> netns <nsB>}, down. */
    record Veth(String nsA, String a, String nsB, String b) {
        String command() {
            return "link add " + a + " netns " + nsA + " type veth peer name " + b + " netns " + nsB;
        }
    }

    /** Creates veth pairs (one {@code ip -batch} for all of them). */
    void veths(List<Veth> pairs) throws IOException, InterruptedException {
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

    /** Runs {@code ip -n <namespace> -batch -} with {@code lines} (e.g. "addr add ...", "link set ... up"). */
    void batch(String namespace, List<String> lines) throws IOException, InterruptedException {
        Exec.ok(Exec.DEFAULT_TIMEOUT, String.join("\n", lines) + "\n", List.of("ip", "-n", namespace, "-batch", "-"));
    }

    /**
     * Waits until {@code device} in {@code namespace} is operationally up (carrier): keepalived
     * started before that enters FAULT first.
     */
    static void awaitUp(String namespace, String device) {
        await(device + " up in " + namespace).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> Exec.ok("ip", "-n", namespace, "-br", "link", "show", "dev", device).contains(" UP "));
    }

    /** @return whether {@code address} (as "a.b.c.d/len") is on {@code device} in {@code namespace} */
    static boolean hasAddress(String namespace, String device, String address) throws IOException, InterruptedException {
        Exec.Result r = Exec.run("ip", "-n", namespace, "-o", "addr", "show", "dev", device);
        return r.ok() && r.out().contains(" " + address + " ");
    }

    /** @return the namespaces {@code ip netns list} shows */
    static Set<String> list() throws IOException, InterruptedException {
        Set<String> out = new LinkedHashSet<>();
        for (String line : Exec.ok("ip", "netns", "list").split("\n")) {
            String l = line.strip();
            if (!l.isEmpty()) {
                out.add(l.split("\\s+")[0]);
            }
        }
        return out;
    }

    /** Deletes every namespace created here (and with them the veths); collects failures. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (namespaces.isEmpty()) {
            return;
        }
        StringBuilder batch = new StringBuilder();
        Set<String> present = list();
        for (String n : namespaces) {
            if (present.contains(n)) {
                batch.append("netns del ").append(n).append('\n');
            }
        }
        if (batch.length() > 0) {
            // -force: go on after a failed line, so one busy namespace does not keep the others
            Exec.Result r = Exec.run(Exec.DEFAULT_TIMEOUT, batch.toString(), List.of("ip", "-force", "-batch", "-"));
            if (!r.ok()) {
                throw new IllegalStateException("ip netns del failed: " + r.out().strip());
            }
        }
    }

    /** @return what is left of this instance's namespaces and devices (in the root namespace), if anything */
    List<String> leftovers() throws IOException, InterruptedException {
        List<String> left = new ArrayList<>();
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
