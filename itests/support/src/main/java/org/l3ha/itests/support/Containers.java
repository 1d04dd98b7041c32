package org.l3ha.itests.support;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.vmOptions;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.features;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import javax.xml.parsers.DocumentBuilderFactory;

import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Pax Exam configurations (run in the test JVM, before a container starts): stock Karaf with l3ha's
 * feature repository, or plain Felix with l3ha's bundles, both offline. Every l3ha artifact comes
 * from the system/ directory of the assembly the reactor just built (a Maven-layout repository), so
 * nothing needs to be installed in the local repository.
 *
 * <p>The probe reads its paths from system properties set here ({@link #STATE}, {@link #ROUTERS}).
 *
 * <p>Both containers also get this support jar as a bundle ({@link #supportBundle()}). Pax Exam
 * builds its probe from the test classes only, so what the tests use in the container from here
 * ({@link Journal}, {@link Poll}, {@link Osgi}, {@link KarafLog}, the test support base classes,
 * {@code UdsClient}) would otherwise be missing there: the probe's {@code DynamicImport-Package: *}
 * finds these packages in that bundle, which finds what they use in turn the same way. Installing
 * the jar is simpler than wrapping it (no {@code wrap:} URL handler in the native container) or
 * copying its classes into the probe (one copy of each class on the test class path).
 */
public final class Containers {
    /** System property in the container: the agent's state_path. */
    public static final String STATE = "l3ha.it.state";
    /** System property in the container: the registry's routers_dir. */
    public static final String ROUTERS = "l3ha.it.routers";
    /** System property in the container: the assembly's system/ repository. */
    public static final String SYSTEM = "l3ha.it.system";
    /** System property in the container: the upgrade build of the notifier. */
    public static final String NOTIFIER_NEXT = "l3ha.it.notifier.next";
    public static final String AGENT_PID = KarafAssembly.AGENT_PID;
    public static final String REGISTRY_PID = KarafAssembly.REGISTRY_PID;
    public static final String VERSION = "0.1.0-SNAPSHOT";
    public static final String FEATURES_URL = "mvn:org.l3ha/org.l3ha.features/" + VERSION + "/xml/features";

    private Containers() {
    }

    // ------------------------------------------------------------------ paths (test JVM)

    public static Path target() {
        return Path.of(System.getProperty("l3ha.itests.target", "target")).toAbsolutePath().normalize();
    }

    /** The Maven-layout repository of the built assembly. */
    public static Path systemRepository() {
        Path dir = Path.of(System.getProperty("l3ha.assembly.dir", "../../features/assembly/target"))
                .resolve("assembly/system").toAbsolutePath().normalize();
        if (!Files.isDirectory(dir.resolve("org/l3ha"))) {
            throw new IllegalStateException("no l3ha artifacts in " + dir + ": build features/assembly first");
        }
        return dir;
    }

    private static final Map<String, Path> STATE_DIRS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A fresh, short state_path under target/s/ (a unix socket path must fit in 107 bytes), one per
     * test class and run: Pax Exam may call a configuration method more than once. Directories of
     * earlier runs of the same class are removed, so target/s/ holds the last run of each class.
     */
    public static Path newStateDir(String name) {
        return STATE_DIRS.computeIfAbsent(name, n -> {
            try {
                Path parent = target().resolve("s");
                Files.createDirectories(parent);
                try (var old = Files.newDirectoryStream(parent, n + "-*")) {
                    for (Path p : old) {
                        Dirs.deleteTree(p);
                    }
                }
                Path dir = parent.resolve(n + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff)));
                Files.createDirectories(dir);
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Router ids {@code <n>}: valid lower-case UUIDs, distinct per {@code prefix} (4 hex digits). */
    public static List<String> routerIds(String prefix, int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(String.format("%s%04x-0000-4000-8000-%012x", prefix, i, i));
        }
        return ids;
    }

    /** Writes one router document per id, in the shape neutron-server sends (no ports). */
    public static Path writeRouters(Path stateDir, List<String> ids) {
        try {
            Path dir = stateDir.resolve("routers");
            Files.createDirectories(dir);
            for (String id : ids) {
                Files.writeString(dir.resolve(id + ".json"),
                        "{\"id\": \"" + id + "\", \"ha\": true, \"distributed\": false, \"_interfaces\": []}\n");
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes Neutron's state file {@code <ha_confs>/<id>/state} for each router. */
    public static void writeStateFiles(Path stateDir, List<String> ids, String word) {
        try {
            for (String id : ids) {
                Path dir = stateDir.resolve("ha_confs").resolve(id);
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("state"), word);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ Karaf

    /**
     * Stock Apache Karaf, offline, with l3ha's feature repository and feature {@code l3ha} installed
     * at boot (as {@code feature:repo-add} + {@code feature:install} would), the agent configured in
     * {@code etc/} before it starts.
     *
     * @param agent extra or overriding keys of PID org.l3ha.agent
     */
    public static Option karaf(Path stateDir, Path routersDir, Map<String, String> agent) {
        Path archive = Path.of(System.getProperty("l3ha.karaf.archive", "missing-apache-karaf.tar.gz"));
        if (!Files.isRegularFile(archive)) {
            throw new IllegalStateException("stock Karaf archive not found: " + archive);
        }
        String karafVersion = System.getProperty("l3ha.karaf.version", "4.4.8");
        String localRepo = System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository");
        String mvnCfg = "etc/org.ops4j.pax.url.mvn.cfg";
        Map<String, String> agentCfg = new LinkedHashMap<>();
        agentCfg.put("state_path", stateDir.toString());
        agentCfg.put("host", "itest");
        agentCfg.put("ha_vrrp_advert_int", "1");
        agentCfg.put("enable_metadata_proxy", "false");
        agentCfg.putAll(agent);
        List<Option> options = new ArrayList<>();
        options.add(karafDistributionConfiguration()
                .frameworkUrl(archive.toUri().toString())
                .name("Apache Karaf")
                .karafVersion(karafVersion)
                .unpackDirectory(target().resolve("exam").toFile())
                .useDeployFolder(false));
        if (Boolean.getBoolean("l3ha.itests.keepRuntime")) {
            options.add(keepRuntimeFolder()); // target/exam/<uuid>: the unpacked Karaf, for a post-mortem
        }
        options.add(configureConsole().ignoreLocalConsole().ignoreRemoteShell());
        options.add(logLevel(LogLevel.INFO));
        // Maven resolution: Karaf's system/ then the assembly's, then the local repository (Pax Exam's
        // own features); never the network
        options.add(editConfigurationFilePut(mvnCfg, "org.ops4j.pax.url.mvn.defaultRepositories",
                "${karaf.home.uri}${karaf.default.repository}@id=system.repository@snapshots,"
                        + "${karaf.data.uri}kar@id=kar.repository@multi@snapshots,"
                        + "${karaf.base.uri}${karaf.default.repository}@id=child.system.repository@snapshots,"
                        + systemRepository().toUri() + "@id=l3ha@snapshots"));
        options.add(editConfigurationFilePut(mvnCfg, "org.ops4j.pax.url.mvn.localRepository", localRepo));
        options.add(editConfigurationFilePut(mvnCfg, "org.ops4j.pax.url.mvn.repositories", ""));
        options.add(editConfigurationFilePut(mvnCfg, "org.ops4j.pax.url.mvn.offline", "true"));
        // loopback only, free ports: parallel builds must not collide, and nothing listens outside
        options.add(editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshHost", "127.0.0.1"));
        options.add(editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", String.valueOf(KarafAssembly.freePort())));
        options.add(editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiRegistryPort", String.valueOf(KarafAssembly.freePort())));
        options.add(editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiServerPort", String.valueOf(KarafAssembly.freePort())));
        agentCfg.forEach((k, v) -> options.add(editConfigurationFilePut("etc/" + AGENT_PID + ".cfg", k, v)));
        options.add(editConfigurationFilePut("etc/" + REGISTRY_PID + ".cfg", "routers_dir", routersDir.toString()));
        options.add(features(FEATURES_URL, "l3ha"));
        // what bin/karaf adds on Java 9+ (Pax Exam's runner adds none of it)
        options.add(vmOptions(
                "-Xmx512m",
                "--add-reads=java.xml=java.logging",
                "--add-exports=java.base/org.apache.karaf.specs.locator=java.xml,ALL-UNNAMED",
                "--patch-module", "java.base=lib/endorsed/org.apache.karaf.specs.locator-" + karafVersion + ".jar",
                "--patch-module", "java.xml=lib/endorsed/org.apache.karaf.specs.java.xml-" + karafVersion + ".jar",
                "--add-opens", "java.base/java.security=ALL-UNNAMED",
                "--add-opens", "java.base/java.net=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--add-opens", "java.base/java.util=ALL-UNNAMED",
                "--add-opens", "java.naming/javax.naming.spi=ALL-UNNAMED",
                "--add-opens", "java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED",
                "--add-exports=java.base/sun.net.www.protocol.file=ALL-UNNAMED",
                "--add-exports=java.base/sun.net.www.protocol.ftp=ALL-UNNAMED",
                "--add-exports=java.base/sun.net.www.protocol.http=ALL-UNNAMED",
                "--add-exports=java.base/sun.net.www.protocol.https=ALL-UNNAMED",
                "--add-exports=java.base/sun.net.www.protocol.jar=ALL-UNNAMED",
                "--add-exports=java.base/sun.net.www.content.text=ALL-UNNAMED",
                "--add-exports=jdk.xml.dom/org.w3c.dom.html=ALL-UNNAMED",
                "--add-exports=jdk.naming.rmi/com.sun.jndi.url.rmi=ALL-UNNAMED",
                "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                "--add-exports=java.security.sasl/com.sun.security.sasl=ALL-UNNAMED",
                "--add-exports=java.naming/com.sun.jndi.ldap=ALL-UNNAMED"));
        options.add(systemProperty(STATE).value(stateDir.toString()));
        options.add(systemProperty(ROUTERS).value(routersDir.toString()));
        options.add(systemProperty(SYSTEM).value(systemRepository().toString()));
        options.add(supportBundle());
        String next = System.getProperty("l3ha.notifier.next");
        if (next != null) {
            options.add(systemProperty(NOTIFIER_NEXT).value(next));
        }
        return composite(options.toArray(new Option[0]));
    }

    // ------------------------------------------------------------------ Felix

    /**
     * Plain Felix (the test JVM's framework): SCR, ConfigAdmin, pax-logging-api (slf4j 2 for Netty
     * and l3ha) and every bundle of the l3ha feature and its library features except the Karaf
     * shell commands, by file: URL from the assembly's system directory. l3ha's bundles are
     * installed but not started: the test configures them first.
     */
    public static Option felix(Path stateDir, Path routersDir) {
        List<Option> options = new ArrayList<>();
        options.add(junitBundles());
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("INFO"));
        for (String key : List.of("l3ha.pax.logging.api", "l3ha.osgi.util.function", "l3ha.osgi.util.promise",
                "l3ha.osgi.service.component", "l3ha.felix.configadmin", "l3ha.felix.metatype", "l3ha.felix.scr")) {
            String path = System.getProperty(key);
            if (path == null || !Files.isRegularFile(Path.of(path))) {
                throw new IllegalStateException("system property " + key + " does not name a jar: " + path);
            }
            options.add(bundle(Path.of(path).toUri().toString()));
        }
        for (String url : felixFeatureBundles()) {
            boolean ours = url.contains("/org/l3ha/");
            options.add(ours ? bundle(url).noStart() : bundle(url));
        }
        options.add(supportBundle());
        options.add(systemProperty(STATE).value(stateDir.toString()));
        options.add(systemProperty(ROUTERS).value(routersDir.toString()));
        return composite(options.toArray(new Option[0]));
    }

    /**
     * {@link #karaf(Path, Path, Map)} on a fresh state directory ({@link #newStateDir}) with a router
     * document for each of {@code routers}.
     */
    public static Option[] karaf(String name, List<String> routers, Map<String, String> agent) {
        Path state = newStateDir(name);
        return options(karaf(state, writeRouters(state, routers), agent));
    }

    /** {@link #felix(Path, Path)} on a fresh state directory with a router document for each of {@code routers}. */
    public static Option[] felix(String name, List<String> routers) {
        Path state = newStateDir(name);
        return options(felix(state, writeRouters(state, routers)));
    }

    /** @return this support jar as a bundle to install in a container (see the class comment) */
    static Option supportBundle() {
        Path jar;
        try {
            jar = Path.of(Containers.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("cannot tell where the itests support classes come from", e);
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the itests support classes come from " + jar + ", not from its jar: "
                    + "the Pax Exam containers need the jar (mvn install, or verify in the reactor)");
        }
        return bundle(jar.toUri().toString());
    }

    /**
     * @return file: URLs (in the assembly's system directory) of every bundle of feature
     *         {@code l3ha} and the features it includes, except Karaf's own (scr, shell) and the
     *         Karaf-only shell commands
     */
    public static List<String> felixFeatureBundles() {
        Path system = systemRepository();
        Path xml = system.resolve("org/l3ha/org.l3ha.features/" + VERSION + "/org.l3ha.features-" + VERSION + "-features.xml");
        Document doc;
        try (InputStream in = Files.newInputStream(xml)) {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            doc = f.newDocumentBuilder().parse(in);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + xml, e);
        }
        Map<String, Element> byName = new LinkedHashMap<>();
        NodeList features = doc.getElementsByTagNameNS("*", "feature");
        for (int i = 0; i < features.getLength(); i++) {
            Element f = (Element) features.item(i);
            if (f.getParentNode() == doc.getDocumentElement()) {
                byName.put(f.getAttribute("name"), f);
            }
        }
        Set<String> urls = new LinkedHashSet<>();
        collect(byName, "l3ha", new LinkedHashSet<>(), urls);
        List<String> out = new ArrayList<>();
        for (String mvn : urls) {
            out.add(fileUrl(system, mvn));
        }
        return out;
    }

    private static void collect(Map<String, Element> byName, String name, Set<String> seen, Set<String> urls) {
        if (!seen.add(name) || name.equals("l3ha-shell")) {
            return;
        }
        Element f = byName.get(name);
        if (f == null) {
            return; // Karaf's own (scr, shell): the Felix test provides SCR itself
        }
        NodeList children = f.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (!(children.item(i) instanceof Element e)) {
                continue;
            }
            switch (e.getLocalName()) {
                case "feature" -> collect(byName, e.getTextContent().trim(), seen, urls);
                case "bundle" -> urls.add(e.getTextContent().trim());
                default -> {
                    // <conditional> (shell only) and the rest: not for plain Felix
                }
            }
        }
    }

    /** mvn:group/artifact/version[/type[/classifier]] to the file in a Maven-layout directory. */
    public static String fileUrl(Path repo, String mvn) {
        String[] p = mvn.substring("mvn:".length()).split("/");
        String type = p.length > 3 && !p[3].isEmpty() ? p[3] : "jar";
        String classifier = p.length > 4 ? "-" + p[4] : "";
        Path file = repo.resolve(p[0].replace('.', '/')).resolve(p[1]).resolve(p[2])
                .resolve(p[1] + "-" + p[2] + classifier + "." + type);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(mvn + " is not in " + repo);
        }
        return file.toUri().toString();
    }
}
