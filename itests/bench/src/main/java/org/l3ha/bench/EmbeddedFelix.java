package org.l3ha.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * An OSGi framework (Apache Felix) in this JVM, with bundles taken from this JVM's class path by
 * Bundle-SymbolicName: l3ha's components run as they do in Karaf, wired by Felix SCR and
 * configured through ConfigurationAdmin, and the harness reaches them only through their
 * {@code org.l3ha.api} services. The system bundle exports the class path's {@code org.l3ha.api},
 * slf4j and Jackson, so the harness and the bundles share those classes (and slf4j-simple's
 * configuration).
 */
final class EmbeddedFelix implements AutoCloseable {
    /** Exported by the system bundle from the class path: what the harness shares with the bundles. */
    static final List<String> SHARED = List.of("org.l3ha.api", "slf4j.api", "com.fasterxml.jackson.core.jackson-core",
            "com.fasterxml.jackson.core.jackson-databind", "com.fasterxml.jackson.core.jackson-annotations");
    /** Installed and started: Declarative Services and ConfigurationAdmin. */
    static final List<String> RUNTIME = List.of("org.osgi.util.function", "org.osgi.util.promise", "org.osgi.service.component",
            "org.apache.felix.scr", "org.apache.felix.configadmin");

    private final Framework framework;
    private final Map<String, Bundle> installed = new HashMap<>();

    /**
     * Starts the framework with {@link #RUNTIME} and installs (without starting) {@code bundles}.
     *
     * @param storage the framework's cache directory (emptied first)
     * @param bundles Bundle-SymbolicNames found on the class path
     */
    EmbeddedFelix(Path storage, List<String> bundles) throws IOException, BundleException {
        Map<String, Path> onClassPath = bundlesOnClassPath();
        StringBuilder exports = new StringBuilder();
        for (String name : SHARED) {
            Path p = require(onClassPath, name);
            exports.append(exports.length() == 0 ? "" : ",").append(manifest(p).getMainAttributes().getValue(Constants.EXPORT_PACKAGE));
        }
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, exports.toString());
        framework = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path")).newFramework(config);
        framework.start();
        try {
            List<Bundle> runtime = new ArrayList<>();
            for (String name : RUNTIME) {
                runtime.add(install(require(onClassPath, name)));
            }
            for (Bundle b : runtime) {
                b.start();
            }
            for (String name : bundles) {
                installed.put(name, install(require(onClassPath, name)));
            }
        } catch (BundleException | RuntimeException e) {
            close();
            throw e;
        }
    }

    BundleContext context() {
        return framework.getBundleContext();
    }

    /** Starts an installed bundle: SCR activates its components (with their configuration). */
    void start(String symbolicName) throws BundleException {
        installed.get(symbolicName).start();
    }

    /** Creates or replaces the configuration of {@code pid} through ConfigurationAdmin. */
    void configure(String pid, Map<String, Object> properties) throws Exception {
        // every reference, not only those whose class the system bundle sees: the class path has another copy of the API
        ServiceReference<?> ref = await(() -> {
            try {
                ServiceReference<?>[] all = context().getAllServiceReferences("org.osgi.service.cm.ConfigurationAdmin", null);
                return all == null ? null : all[0];
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
        }, "ConfigurationAdmin");
        // ConfigurationAdmin's API is its bundle's own (not the class path's): called through that bundle's classes
        Class<?> admin = ref.getBundle().loadClass("org.osgi.service.cm.ConfigurationAdmin");
        Class<?> configuration = ref.getBundle().loadClass("org.osgi.service.cm.Configuration");
        try {
            Object conf = admin.getMethod("getConfiguration", String.class, String.class).invoke(context().getService(ref), pid, "?");
            configuration.getMethod("update", java.util.Dictionary.class).invoke(conf, new Hashtable<>(properties));
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** @return the service of {@code type} matching {@code filter} (null: any), waiting for it */
    <T> T service(Class<T> type, String filter) throws InterruptedException {
        ServiceReference<T> ref = await(() -> {
            try {
                Collection<ServiceReference<T>> refs = context().getServiceReferences(type, filter);
                return refs.isEmpty() ? null : refs.iterator().next();
            } catch (InvalidSyntaxException e) {
                throw new IllegalArgumentException(filter, e);
            }
        }, type.getSimpleName() + (filter == null ? "" : " " + filter));
        return context().getService(ref);
    }

    private interface Lookup<T> {
        T find();
    }

    private static <T> T await(Lookup<T> lookup, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        for (T found = lookup.find(); ; found = lookup.find()) {
            if (found != null) {
                return found;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("no " + what + " service within a minute");
            }
            Thread.sleep(20); // poll interval
        }
    }

    @Override
    public void close() {
        try {
            framework.stop();
            framework.waitForStop(Duration.ofMinutes(1).toMillis());
        } catch (BundleException e) {
            throw new IllegalStateException("framework did not stop", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Bundle install(Path jarOrDirectory) throws BundleException {
        // reference: the bundle is used where it is (a jar, or a module's target/classes in a reactor build)
        return context().installBundle("reference:" + jarOrDirectory.toUri());
    }

    private static Path require(Map<String, Path> onClassPath, String name) {
        Path p = onClassPath.get(name);
        if (p == null) {
            throw new IllegalStateException("bundle " + name + " is not on the class path (java.class.path)");
        }
        return p;
    }

    /** @return Bundle-SymbolicName to jar or directory, for every bundle on {@code java.class.path} */
    static Map<String, Path> bundlesOnClassPath() throws IOException {
        Map<String, Path> out = new LinkedHashMap<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            Manifest m = Files.exists(p) ? manifest(p) : null;
            String bsn = m == null ? null : m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            if (bsn != null) {
                out.putIfAbsent(bsn.split(";")[0].trim(), p);
            }
        }
        return out;
    }

    private static Manifest manifest(Path jarOrDirectory) throws IOException {
        if (Files.isDirectory(jarOrDirectory)) {
            Path mf = jarOrDirectory.resolve("META-INF/MANIFEST.MF");
            if (!Files.isRegularFile(mf)) {
                return null;
            }
            try (InputStream in = Files.newInputStream(mf)) {
                return new Manifest(in);
            }
        }
        try (JarFile jar = new JarFile(jarOrDirectory.toFile())) {
            return jar.getManifest();
        }
    }
}
