package org.l3ha.itests.drill;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

import org.l3ha.itests.support.Journal;
import org.l3ha.itests.support.KarafAssembly;
import org.l3ha.itests.support.NeutronServer;

/**
 * l3ha as an operator runs it: the built Karaf assembly ({@link KarafAssembly}, {@code bin/karaf
 * server}) on scratch directories, with a router document per drill router, the metadata proxy on,
 * the process monitor every 2 s, and the endpoint's per-notification DEBUG line in
 * {@code data/log/karaf.log} (evidence of what the monitor sent).
 */
final class L3ha implements AutoCloseable {
    static final int CHECK_CHILD_PROCESSES_INTERVAL = 2;
    /** The features a node booting the neutron registry runs (in place of {@code l3ha}, which boots the file registry). */
    static final List<String> NEUTRON_FEATURES = List.of("l3ha-endpoint", "l3ha-engine", "l3ha-notifier", "l3ha-registry-neutron",
            "l3ha-reporter-journal", "l3ha-reporter-oslo", "l3ha-ipv6", "l3ha-metadata-proxy", "l3ha-radvd", "l3ha-health",
            "l3ha-shell");

    private final KarafAssembly karaf;
    private final Path statePath;
    private final List<String> prefix;

    private L3ha(KarafAssembly karaf, Path statePath, List<String> prefix) {
        this.karaf = karaf;
        this.statePath = statePath;
        this.prefix = List.copyOf(prefix);
    }

    /**
     * Unpacks the assembly under {@code work/karaf} and configures it; not started.
     *
     * @param advertInt {@code ha_vrrp_advert_int}
     */
    static L3ha create(Path work, Collection<DrillRouter> routers, int advertInt, Path metadataSocket) throws Exception {
        Path state = work.resolve("state");
        Path routersDir = work.resolve("routers");
        Files.createDirectories(state);
        Files.createDirectories(routersDir);
        for (DrillRouter r : routers) {
            Files.writeString(routersDir.resolve(r.id() + ".json"), r.document(), StandardCharsets.UTF_8);
        }
        KarafAssembly k = KarafAssembly.unpack(work.resolve("karaf"));
        k.configureAgent(state, "drill-node", routersDir);
        k.setAgent("ha_vrrp_advert_int", Integer.toString(advertInt));
        k.setAgent("enable_metadata_proxy", "true");
        k.setAgent("metadata_proxy_socket", metadataSocket.toString());
        k.setAgent("check_child_processes_interval", Integer.toString(CHECK_CHILD_PROCESSES_INTERVAL));
        k.setConfig("org.ops4j.pax.logging", "log4j2.logger.l3haendpoint.name", "org.l3ha.endpoint");
        k.setConfig("org.ops4j.pax.logging", "log4j2.logger.l3haendpoint.level", "DEBUG");
        return checked(new L3ha(k, state, List.of()));
    }

    /**
     * One node of a drill against a real neutron-server: unpacked under {@code work/karaf} with
     * state_path {@code work/state} and {@code host}, booting the neutron registry
     * ({@link #NEUTRON_FEATURES}), the oslo reporter pointed at {@code peer} in {@code rpcMode}, the
     * metadata proxy on and the process monitor every {@value #CHECK_CHILD_PROCESSES_INTERVAL} s;
     * not started.
     *
     * @param prefix a command Karaf and the node's monitor are started behind (its mount namespace), or empty
     */
    static L3ha neutronNode(Path work, String host, NeutronServer peer, String rpcMode, int advertInt, Path metadataSocket,
            List<String> prefix) throws Exception {
        Path state = work.resolve("state");
        Path unused = work.resolve("routers"); // the file registry's directory; that registry is not booted
        Files.createDirectories(state);
        Files.createDirectories(unused);
        KarafAssembly k = KarafAssembly.unpack(work.resolve("karaf"));
        k.configureAgent(state, host, unused);
        k.setAgent("ha_vrrp_advert_int", Integer.toString(advertInt));
        k.setAgent("enable_metadata_proxy", "true");
        k.setAgent("metadata_proxy_socket", metadataSocket.toString());
        k.setAgent("check_child_processes_interval", Integer.toString(CHECK_CHILD_PROCESSES_INTERVAL));
        k.useNeutronServer(peer, rpcMode);
        k.setConfig("org.ops4j.pax.logging", "log4j2.logger.l3haendpoint.name", "org.l3ha.endpoint");
        k.setConfig("org.ops4j.pax.logging", "log4j2.logger.l3haendpoint.level", "DEBUG");
        k.replaceL3haBootFeature(NEUTRON_FEATURES);
        return checked(new L3ha(k, state, prefix));
    }

    private static L3ha checked(L3ha l) {
        if (l.socket().toString().length() > 107) {
            throw new IllegalStateException("socket path too long for a unix socket: " + l.socket());
        }
        return l;
    }

    Path statePath() {
        return statePath;
    }

    /** @return the command Karaf runs behind (and the node's monitors should), or empty */
    List<String> prefix() {
        return prefix;
    }

    KarafAssembly karaf() {
        return karaf;
    }

    Path socket() {
        return statePath.resolve("keepalived-state-change");
    }

    Path haConfs() {
        return statePath.resolve("ha_confs");
    }

    Path externalPids() {
        return statePath.resolve("external/pids");
    }

    Path radvdPidFile(String routerId) {
        return externalPids().resolve(routerId + ".pid.radvd");
    }

    Path haproxyPidFile(String routerId) {
        return externalPids().resolve(routerId + ".pid.haproxy");
    }

    Path stateFile(String routerId) {
        return haConfs().resolve(routerId).resolve("state");
    }

    Path journalFile() {
        return statePath.resolve("ha-states.jsonl");
    }

    Path home() {
        return karaf.home();
    }

    /** Starts Karaf and waits until the state-change socket is there. */
    void start() throws IOException {
        karaf.start(prefix);
        karaf.awaitFile(socket(), Duration.ofSeconds(120));
    }

    /** SIGTERM; waits until Karaf has exited. */
    void stop() throws IOException {
        karaf.stop(Duration.ofSeconds(60));
    }

    /** SIGKILL to Karaf's JVM and launcher. */
    void kill() throws IOException {
        karaf.kill();
    }

    /** @return pids of the launcher and JVM still alive */
    List<Long> pids() {
        return karaf.pids();
    }

    String logText() throws IOException {
        return karaf.logText();
    }

    String tail(int lines) {
        return karaf.tail(lines);
    }

    /** @return the complete journal lines so far */
    List<Journal.Line> journal() throws IOException {
        return new Journal(journalFile()).lines();
    }

    /** @return the states reported for {@code routerId} in journal lines {@code from..} */
    List<String> reported(String routerId, int from) throws IOException {
        return new Journal(journalFile()).states(routerId, from);
    }

    /** @return the first journal line from {@code from} on that reports {@code state} for {@code routerId}, or null */
    Journal.Line firstReport(String routerId, String state, int from) throws IOException {
        return new Journal(journalFile()).firstReport(routerId, state, from);
    }

    /** @return the newest state reported for {@code routerId}, or "" */
    String lastReported(String routerId) throws IOException {
        String last = new Journal(journalFile()).last(routerId);
        return last == null ? "" : last;
    }

    /** @return the state word in the router's state file, or "" */
    String stateFileWord(String routerId) {
        try {
            return Files.readString(stateFile(routerId), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** Kills Karaf if it still runs. Never throws. */
    @Override
    public void close() {
        karaf.close();
    }
}
