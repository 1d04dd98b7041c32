package org.l3ha.endpoint.impl;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.HostPort;
import org.l3ha.common.Counters;
import org.l3ha.api.HaState;
import org.l3ha.common.RouterIds;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Request parsing and validation in the endpoint: the real {@link NotificationHandler} (with its
 * {@link HoldingBuffer} and counters) behind Jetty's HTTP/1.1 parser, fed the exact bytes of
 * both Neutron monitor generations through an in-memory connector (no socket); and the
 * validation steps alone (UUID check, state parse, normalisation, hand-over to the sink).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EndpointBench {
    private static final String ID = UUID.nameUUIDFromBytes("bench-router-7".getBytes(StandardCharsets.UTF_8)).toString();
    /** What Neutron's Python monitor (httplib2) sends. */
    static final String HTTPLIB2 = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nx-neutron-router-id: " + ID
            + "\r\nx-neutron-state: primary\r\nconnection: close\r\nuser-agent: Python-httplib2/0.20.4 (gzip)\r\n"
            + "accept-encoding: gzip, deflate\r\n\r\n";
    /** What the current shell monitor (curl -X POST) sends. */
    static final String CURL = "POST / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n"
            + "X-Neutron-Router-Id: " + ID + "\r\nX-Neutron-State: backup\r\nConnection: close\r\n\r\n";

    private Server server;
    private LocalConnector connector;
    private HoldingBuffer buffer;
    private final ByteBuffer httplib2Bytes = ByteBuffer.wrap(HTTPLIB2.getBytes(StandardCharsets.ISO_8859_1)).asReadOnlyBuffer();
    private final HttpFields.Mutable parsed = HttpFields.build();
    private final HttpParser parser = new HttpParser(new HttpParser.RequestHandler() {
        @Override
        public void startRequest(String method, String uri, HttpVersion version) {
        }

        @Override
        public void parsedHeader(HttpField field) {
            parsed.add(field);
        }

        @Override
        public boolean headerComplete() {
            return false;
        }

        @Override
        public boolean content(ByteBuffer content) {
            return false;
        }

        @Override
        public boolean contentComplete() {
            return false;
        }

        @Override
        public boolean messageComplete() {
            return true;
        }

        @Override
        public void earlyEOF() {
        }
    }, SocketServer.MAX_HEADER_BYTES);

    @Setup
    public void setUp() throws Exception {
        Counters counters = CounterNames.create(NotificationHandler.REASONS);
        buffer = new HoldingBuffer(StateChangeEndpoint.HOLD_CAPACITY);
        buffer.bind((id, state) -> true);
        server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(SocketServer.MAX_HEADER_BYTES);
        http.setSendServerVersion(false);
        http.setServerAuthority(new HostPort("localhost"));
        connector = new LocalConnector(server, new HttpConnectionFactory(http));
        // the endpoint's header deadline, as it runs (a bean of the connector that hears of every connection)
        HeaderDeadline deadline = new HeaderDeadline(StateChangeEndpoint.HEADER_DEADLINE_MS, connector.getScheduler(),
                counters, () -> 0);
        connector.addBean(deadline);
        server.addConnector(connector);
        server.setHandler(new NotificationHandler(buffer, StateChangeEndpoint.HOLD_CAPACITY, counters, deadline));
        server.setErrorHandler(new NotificationHandler.ErrorReplies(counters, deadline));
        server.start();
        for (String request : new String[] {HTTPLIB2, CURL}) {
            String response = connector.getResponse(request);
            if (!response.startsWith("HTTP/1.1 200")) {
                throw new IllegalStateException("not accepted: " + response);
            }
        }
    }

    @TearDown
    public void tearDown() throws Exception {
        server.stop();
    }

    /**
     * Jetty parse + l3ha's {@link NotificationHandler} + hand-over + 200 reply for the Python
     * monitor's GET, through Jetty's in-memory {@link LocalConnector} (which adds its own thread
     * hand-off and wait for the close; no socket).
     */
    @Benchmark
    public String httpParseValidateHttplib2() throws Exception {
        return connector.getResponse(HTTPLIB2);
    }

    /** The same for the shell monitor's POST. */
    @Benchmark
    public String httpParseValidateCurl() throws Exception {
        return connector.getResponse(CURL);
    }

    /**
     * Jetty's HTTP/1.1 parser alone (the one the endpoint runs) on the Python monitor's bytes, then
     * the validation steps on the parsed headers and the hand-over: parsing + validation without
     * any connection or thread hand-off.
     */
    @Benchmark
    public HoldingBuffer.Outcome parseAndValidateHttplib2() {
        parsed.clear();
        parser.reset();
        ByteBuffer in = httplib2Bytes.duplicate();
        while (in.hasRemaining() && !parser.isComplete()) {
            parser.parseNext(in);
        }
        String id = parsed.get(NotificationHandler.ROUTER_ID);
        String word = parsed.get(NotificationHandler.STATE);
        if (id == null || word == null || !RouterIds.isUuid(id)) {
            throw new IllegalStateException("not a notification");
        }
        return buffer.offer(RouterIds.normalize(id), HaState.parse(word));
    }

    /** The validation steps on the header values, and the hand-over to the sink. */
    @Benchmark
    public HoldingBuffer.Outcome validateAndHandOver() {
        if (!RouterIds.isUuid(ID)) {
            throw new IllegalStateException();
        }
        HaState state = HaState.parse("primary");
        return buffer.offer(RouterIds.normalize(ID), state);
    }
}
