package org.l3ha.endpoint.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import org.l3ha.api.HaState;
import org.l3ha.common.Counters;
import org.l3ha.common.RouterIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers keepalived-state-change monitors on one connection: takes the requests Netty's HTTP
 * decoder reads from it, validates the one notification each carries, hands it to the
 * {@link HoldingBuffer} and replies at once. Any method other than GET and POST is refused; path
 * and query are ignored; the body is never needed, only bounded ({@value #MAX_BODY_BYTES} bytes)
 * and read to its end so that a keep-alive connection can carry the next request.
 *
 * <p>What the decoder refuses (a malformed request line or header, a head larger than the limit,
 * an HTTP version other than 1.0 and 1.1, a connection closed in the middle of a request) gets the
 * same one-line plain-text reply, is counted under its reason, and ends the connection: after a
 * framing error nothing further on it can be trusted. A failure inside the handler is answered 500
 * and counted in {@code errors}: always a bug.
 *
 * <p>One instance per connection, called on its event-loop thread only.
 */
final class NotificationHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(NotificationHandler.class);

    static final String ROUTER_ID = "X-Neutron-Router-Id";
    static final String STATE = "X-Neutron-State";
    /** Largest request body accepted (and drained): a notification has none. */
    static final int MAX_BODY_BYTES = 1024;

    /* Rejection reasons: stable counter keys rejected.<reason>. */
    static final String METHOD_NOT_ALLOWED = "method_not_allowed";
    static final String BODY_TOO_LARGE = "body_too_large";
    static final String BODY_UNREADABLE = "body_unreadable";
    static final String ROUTER_ID_MISSING = "router_id_missing";
    static final String ROUTER_ID_EMPTY = "router_id_empty";
    static final String ROUTER_ID_REPEATED = "router_id_repeated";
    static final String ROUTER_ID_INVALID = "router_id_invalid";
    static final String STATE_MISSING = "state_missing";
    static final String STATE_EMPTY = "state_empty";
    static final String STATE_REPEATED = "state_repeated";
    static final String STATE_INVALID = "state_invalid";
    static final String BUFFER_FULL = "buffer_full";
    /* ...and those of the HTTP layer. */
    static final String BAD_HTTP = "bad_http";
    static final String HEADERS_TOO_LARGE = "headers_too_large";
    static final String TIMEOUT = "timeout";
    static final String INCOMPLETE = "incomplete";
    static final String URI_TOO_LONG = "http_414";

    static final String[] REASONS = {
        METHOD_NOT_ALLOWED, BODY_TOO_LARGE, BODY_UNREADABLE,
        ROUTER_ID_MISSING, ROUTER_ID_EMPTY, ROUTER_ID_REPEATED, ROUTER_ID_INVALID,
        STATE_MISSING, STATE_EMPTY, STATE_REPEATED, STATE_INVALID, BUFFER_FULL,
        BAD_HTTP, HEADERS_TOO_LARGE, TIMEOUT, INCOMPLETE, URI_TOO_LONG,
    };

    private static final String PLAIN = "text/plain; charset=utf-8";

    private final HoldingBuffer buffer;
    private final Counters counters;
    private final int bufferCapacity;
    private final HeaderDeadline.Watch watch;
    private final SocketServer.Stopping stopping;

    /** The request whose body is being drained, or null between requests. */
    private HttpRequest draining;
    private long seen;
    /** Set once a reply that ends the connection was written: whatever the decoder still emits is dropped. */
    private boolean closing;

    /**
     * @param watch the connection's header deadline, told of every exchange so that its end
     *         starts the next window of a keep-alive connection
     */
    NotificationHandler(HoldingBuffer buffer, int bufferCapacity, Counters counters, HeaderDeadline.Watch watch,
            SocketServer.Stopping stopping) {
        this.buffer = buffer;
        this.bufferCapacity = bufferCapacity;
        this.counters = counters;
        this.watch = watch;
        this.stopping = stopping;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!closing && !watch.expired() && msg instanceof HttpObject o) {
                read(ctx, o);
            }
        } catch (RuntimeException | Error e) {
            internalError(ctx, e);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void read(ChannelHandlerContext ctx, HttpObject msg) {
        if (msg instanceof HttpRequest request) {
            watch.headArrived();
            DecoderResult result = request.decoderResult();
            if (result.isFailure()) {
                refusedByHttpLayer(ctx, result.cause());
                return;
            }
            counters.increment(CounterNames.RECEIVED);
            HttpVersion version = request.protocolVersion();
            if (version.majorVersion() != 1 || version.minorVersion() > 1) {
                reject(ctx, request, HttpResponseStatus.BAD_REQUEST, BAD_HTTP,
                        "bad request: " + printable("HTTP version " + version.text() + " not supported"), true);
                return;
            }
            HttpMethod method = request.method();
            if (!HttpMethod.POST.equals(method) && !HttpMethod.GET.equals(method)) {
                reject(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED,
                        "method " + printable(method.name()) + " not allowed, use GET or POST", !hasNoBody(request));
                return;
            }
            // the decoder has already checked that a Content-Length is a single number
            if (HttpUtil.getContentLength(request, -1L) > MAX_BODY_BYTES) {
                tooLarge(ctx, request);
                return;
            }
            if (hasNoBody(request)) {
                // no body (every keepalived monitor): answer at once; the decoder's empty last content is dropped
                answer(ctx, request);
                return;
            }
            draining = request;
            seen = 0;
        }
        if (msg instanceof HttpContent content && draining != null) {
            if (content.decoderResult().isFailure()) {
                Throwable cause = content.decoderResult().cause();
                if (cause instanceof PrematureChannelClosureException) {
                    incomplete(ctx);
                    return;
                }
                reject(ctx, draining, HttpResponseStatus.BAD_REQUEST, BODY_UNREADABLE, "request body could not be read",
                        true);
                return;
            }
            ByteBuf bytes = content.content();
            seen += bytes.readableBytes();
            if (seen > MAX_BODY_BYTES) {
                tooLarge(ctx, draining);
                return;
            }
            if (content instanceof LastHttpContent) {
                HttpRequest request = draining;
                draining = null;
                answer(ctx, request);
            }
        }
    }

    /** @return whether the request has no body at all: no Transfer-Encoding, no or a zero Content-Length */
    private static boolean hasNoBody(HttpRequest request) {
        return !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest request) {
        HttpHeaders headers = request.headers();
        String id = single(ctx, request, headers, ROUTER_ID, ROUTER_ID_MISSING, ROUTER_ID_EMPTY, ROUTER_ID_REPEATED);
        if (id == null) {
            return;
        }
        if (!RouterIds.isUuid(id)) {
            reject(ctx, request, HttpResponseStatus.BAD_REQUEST, ROUTER_ID_INVALID, "header " + ROUTER_ID + " is not a UUID",
                    false);
            return;
        }
        String word = single(ctx, request, headers, STATE, STATE_MISSING, STATE_EMPTY, STATE_REPEATED);
        if (word == null) {
            return;
        }
        HaState state;
        try {
            state = HaState.parse(word);
        } catch (IllegalArgumentException e) {
            reject(ctx, request, HttpResponseStatus.BAD_REQUEST, STATE_INVALID, e.getMessage(), false);
            return;
        }
        String routerId = RouterIds.normalize(id);
        HoldingBuffer.Outcome outcome = buffer.offer(routerId, state);
        if (outcome == HoldingBuffer.Outcome.FULL) {
            reject(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, BUFFER_FULL,
                    "no engine is taking notifications and " + bufferCapacity + " routers are held already", false);
            return;
        }
        counters.increment(CounterNames.ACCEPTED);
        if (outcome == HoldingBuffer.Outcome.HELD) {
            counters.increment(CounterNames.HELD);
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("Notification {} {}: {}", routerId, state.word(), outcome);
        }
        reply(ctx, request, HttpResponseStatus.OK, "accepted", false, null);
    }

    /** @return the only, non-empty value of header {@code name}; or null once rejected */
    private String single(ChannelHandlerContext ctx, HttpRequest request, HttpHeaders headers, String name, String missing,
            String empty, String repeated) {
        List<String> values = headers.getAll(name);
        String problem = null;
        String reason = null;
        if (values.isEmpty()) {
            problem = "missing header ";
            reason = missing;
        } else if (values.stream().anyMatch(String::isEmpty)) {
            problem = "empty header ";
            reason = empty;
        } else if (values.size() > 1) {
            problem = "repeated header ";
            reason = repeated;
        }
        if (problem != null) {
            reject(ctx, request, HttpResponseStatus.BAD_REQUEST, reason, problem + name, false);
            return null;
        }
        return values.get(0);
    }

    private void tooLarge(ChannelHandlerContext ctx, HttpRequest request) {
        // the rest of the body is not read: the connection ends with this reply
        reject(ctx, request, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, BODY_TOO_LARGE,
                "request body too large (limit " + MAX_BODY_BYTES + " bytes)", true);
    }

    private void reject(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status, String reason,
            String message, boolean close) {
        counters.increment(CounterNames.REJECTED + reason);
        if (LOG.isDebugEnabled()) {
            LOG.debug("Rejected ({}): {}", status.code(), message);
        }
        reply(ctx, request, status, message, close, status == HttpResponseStatus.METHOD_NOT_ALLOWED ? "GET, POST" : null);
    }

    /**
     * A request the decoder refused: a reply with the status its failure calls for, counted, and
     * the connection ends.
     */
    private void refusedByHttpLayer(ChannelHandlerContext ctx, Throwable cause) {
        counters.increment(CounterNames.RECEIVED);
        if (cause instanceof PrematureChannelClosureException) {
            incomplete(ctx);
            return;
        }
        HttpResponseStatus status;
        String reason;
        String line;
        if (cause instanceof TooLongHttpLineException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
            reason = URI_TOO_LONG;
            line = "request line too long";
        } else if (cause instanceof TooLongFrameException) {
            // the head's header lines (Netty's TooLongHttpHeaderException) or anything else too long
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            reason = HEADERS_TOO_LARGE;
            line = "request headers too large";
        } else {
            status = HttpResponseStatus.BAD_REQUEST;
            reason = BAD_HTTP;
            line = "bad request: " + printable(cause == null || cause.getMessage() == null ? "malformed HTTP" : cause.getMessage());
        }
        counters.increment(CounterNames.REJECTED + reason);
        if (LOG.isDebugEnabled()) {
            LOG.debug("Refused by the HTTP layer ({}): {}", status.code(), line);
        }
        reply(ctx, null, status, line, true, null);
    }

    /** The client closed in the middle of a request: nobody to answer; counted, and the connection ends. */
    private void incomplete(ChannelHandlerContext ctx) {
        counters.increment(CounterNames.REJECTED + INCOMPLETE);
        closing = true;
        ctx.close();
    }

    private void internalError(ChannelHandlerContext ctx, Throwable e) {
        counters.increment(CounterNames.ERRORS);
        LOG.warn("Internal error answering a state-change request", e);
        draining = null;
        if (!closing && ctx.channel().isActive()) {
            reply(ctx, null, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error", true, null);
        }
    }

    /**
     * Writes a one-line plain-text reply with its length; ends the connection after it if
     * {@code close}, if the client asked for that, if the server is stopping, or if the request is
     * unknown (a framing error).
     */
    private void reply(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status, String line, boolean close,
            String allow) {
        byte[] body = (line + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                ctx.alloc().buffer(body.length).writeBytes(body));
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, PLAIN);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (allow != null) {
            h.set(HttpHeaderNames.ALLOW, allow);
        }
        boolean end = close || request == null || stopping.now() || !HttpUtil.isKeepAlive(request);
        if (end) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            closing = true;
            draining = null;
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            watch.exchangeEnded();
            if (end || !f.isSuccess()) {
                f.channel().close();
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            // the client went away (reset, broken pipe): nothing to answer
            LOG.debug("State-change connection failed: {}", cause.toString());
            ctx.close();
            return;
        }
        internalError(ctx, cause);
    }

    /** @return {@code s} cut to 60 characters, anything but printable ASCII replaced by '?' */
    static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 64));
        for (int i = 0; i < s.length() && i < 60; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return s.length() > 60 ? sb.append("...").toString() : sb.toString();
    }
}
