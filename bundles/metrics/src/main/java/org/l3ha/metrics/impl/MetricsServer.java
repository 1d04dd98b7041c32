package org.l3ha.metrics.impl;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The Prometheus client's HTTP server (the JDK's {@code com.sun.net.httpserver}) serving one
 * registry at {@code /metrics} in the text format, on threads of its own named
 * {@value #THREAD_PREFIX}{@code N}; every other path is answered 404 (the library's HTML landing
 * page and {@code /-/healthy} are not registered). {@link #close()} returns once the listening
 * socket is closed and every thread has ended.
 */
final class MetricsServer implements AutoCloseable {
    static final String THREAD_PREFIX = "l3ha-metrics-http-";
    /** Scrapes served at once; more wait in the server's queue. */
    static final int THREADS = 2;
    private static final long STOP_MS = 5_000;
    private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();

    private final HTTPServer server;
    private final ExecutorService executor;
    private final String url;

    private MetricsServer(HTTPServer server, ExecutorService executor, String url) {
        this.server = server;
        this.executor = executor;
        this.url = url;
    }

    /**
     * Listens on {@code address:port} (0: any free port) and serves {@code registry}.
     *
     * @throws IOException if it cannot listen there (port taken, address not local)
     */
    static MetricsServer start(MetricsSettings settings, PrometheusRegistry registry) throws IOException {
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, THREAD_PREFIX + THREAD_NUMBER.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, threads);
        InetAddress address = settings.bindAddress();
        try {
            HTTPServer server = HTTPServer.builder().inetAddress(address).port(settings.port()).registry(registry)
                    .executorService(executor).registerHealthHandler(false).defaultHandler(MetricsServer::notFound)
                    .buildAndStart();
            return new MetricsServer(server, executor, settings.url(server.getPort()));
        } catch (IOException | RuntimeException | Error e) {
            stop(executor);
            throw e;
        }
    }

    /** @return the port listened on (the one chosen when the settings said 0) */
    int port() {
        return server.getPort();
    }

    /** @return {@code http://<address>:<port>/metrics} */
    String url() {
        return url;
    }

    /** Closes the socket and its connections, then waits (bounded) for the threads to end. */
    @Override
    public void close() {
        try {
            server.close();
        } finally {
            stop(executor);
        }
    }

    private static void stop(ExecutorService executor) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(STOP_MS, TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static void notFound(HttpExchange exchange) throws IOException {
        try (InputStream body = exchange.getRequestBody()) {
            body.transferTo(java.io.OutputStream.nullOutputStream());
        }
        exchange.sendResponseHeaders(404, -1);
        exchange.close();
    }
}
