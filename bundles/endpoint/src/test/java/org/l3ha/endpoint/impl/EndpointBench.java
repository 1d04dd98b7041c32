package org.l3ha.endpoint.impl;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import org.l3ha.api.HaState;
import org.l3ha.common.Counters;
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
 * Request parsing and validation in the endpoint: a connection's whole pipeline as the server
 * builds it (its header-deadline watch, Netty's HTTP/1 codec, the real {@link NotificationHandler}
 * with its {@link HoldingBuffer} and counters) on Netty's in-memory channel, fed the exact bytes of
 * both Neutron monitor generations (no socket, no thread hand-off); Netty's request decoder alone
 * with the validation steps; and the validation steps alone (UUID check, state parse,
 * normalisation, hand-over to the sink).
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

    private static final HttpDecoderConfig HTTP = new HttpDecoderConfig()
            .setMaxInitialLineLength(SocketServer.MAX_REQUEST_LINE_BYTES).setMaxHeaderSize(SocketServer.MAX_HEADER_BYTES)
            .setMaxChunkSize(NotificationHandler.MAX_BODY_BYTES + 1);
    private final byte[] httplib2Bytes = HTTPLIB2.getBytes(StandardCharsets.ISO_8859_1);
    private final byte[] curlBytes = CURL.getBytes(StandardCharsets.ISO_8859_1);
    private ScheduledExecutorService scheduler;
    private Counters counters;
    private HeaderDeadline deadline;
    private HoldingBuffer buffer;
    private final SocketServer.Stopping stopping = new SocketServer.Stopping();

    @Setup
    public void setUp() {
        counters = CounterNames.create(NotificationHandler.REASONS);
        buffer = new HoldingBuffer(StateChangeEndpoint.HOLD_CAPACITY);
        buffer.bind((id, state) -> true);
        scheduler = Executors.newSingleThreadScheduledExecutor();
        deadline = new HeaderDeadline(StateChangeEndpoint.HEADER_DEADLINE_MS, scheduler, counters, () -> 0);
        for (byte[] request : new byte[][] {httplib2Bytes, curlBytes}) {
            String response = exchange(request);
            if (!response.startsWith("HTTP/1.1 200")) {
                throw new IllegalStateException("not accepted: " + response);
            }
        }
    }

    @TearDown
    public void tearDown() {
        scheduler.shutdownNow();
    }

    /** One connection: the request in, the reply out, the connection closed. */
    private String exchange(byte[] request) {
        HeaderDeadline.Watch watch = deadline.watch();
        EmbeddedChannel ch = new EmbeddedChannel(watch, new HttpServerCodec(HTTP),
                new NotificationHandler(buffer, StateChangeEndpoint.HOLD_CAPACITY, counters, watch, stopping));
        ch.writeInbound(Unpooled.wrappedBuffer(request));
        StringBuilder out = new StringBuilder(160);
        for (Object o; (o = ch.readOutbound()) != null;) {
            ByteBuf b = (ByteBuf) o;
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        ch.finishAndReleaseAll();
        return out.toString();
    }

    /**
     * Netty's decoding + l3ha's {@link NotificationHandler} + hand-over + the encoded 200 reply for
     * the Python monitor's GET: a connection's whole pipeline, on Netty's in-memory channel.
     */
    @Benchmark
    public String httpParseValidateHttplib2() {
        return exchange(httplib2Bytes);
    }

    /** The same for the shell monitor's POST. */
    @Benchmark
    public String httpParseValidateCurl() {
        return exchange(curlBytes);
    }

    /**
     * Netty's HTTP/1 request decoder alone (the one the endpoint runs) on the Python monitor's
     * bytes, then the validation steps on the parsed headers and the hand-over: parsing and
     * validation without the reply.
     */
    @Benchmark
    public HoldingBuffer.Outcome parseAndValidateHttplib2() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder(HTTP));
        ch.writeInbound(Unpooled.wrappedBuffer(httplib2Bytes));
        HttpRequest request = ch.readInbound();
        try {
            String id = request.headers().get(NotificationHandler.ROUTER_ID);
            String word = request.headers().get(NotificationHandler.STATE);
            if (id == null || word == null || !RouterIds.isUuid(id)) {
                throw new IllegalStateException("not a notification");
            }
            return buffer.offer(RouterIds.normalize(id), HaState.parse(word));
        } finally {
            ReferenceCountUtil.release(request);
            ch.finishAndReleaseAll();
        }
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
