package org.l3ha.endpoint.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.l3ha.common.Counters;
import org.l3ha.api.HaState;
import org.l3ha.common.RouterIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers keepalived-state-change monitors: validates one notification per request, hands it to
 * the {@link HoldingBuffer} and replies at once. Any method other than GET and POST is refused;
 * path and query are ignored; the body is never needed, only bounded.
 */
final class NotificationHandler extends Handler.Abstract.NonBlocking {
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
    /* ...and those of the HTTP layer (see ErrorReplies). */
    static final String BAD_HTTP = "bad_http";
    static final String HEADERS_TOO_LARGE = "headers_too_large";
    static final String TIMEOUT = "timeout";
    static final String INCOMPLETE = "incomplete";

    static final String[] REASONS = {
        METHOD_NOT_ALLOWED, BODY_TOO_LARGE, BODY_UNREADABLE,
        ROUTER_ID_MISSING, ROUTER_ID_EMPTY, ROUTER_ID_REPEATED, ROUTER_ID_INVALID,
        STATE_MISSING, STATE_EMPTY, STATE_REPEATED, STATE_INVALID, BUFFER_FULL,
        BAD_HTTP, HEADERS_TOO_LARGE, TIMEOUT, INCOMPLETE,
    };

    private final HoldingBuffer buffer;
    private final Counters counters;
    private final int bufferCapacity;
    private final HeaderDeadline deadline;

    /**
     * @param deadline the connections' header deadline, told of every exchange so that its end
     *         starts the next window of a keep-alive connection
     */
    NotificationHandler(HoldingBuffer buffer, int bufferCapacity, Counters counters, HeaderDeadline deadline) {
        this.buffer = buffer;
        this.bufferCapacity = bufferCapacity;
        this.counters = counters;
        this.deadline = deadline;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        deadline.watchExchange(request);
        counters.increment(CounterNames.RECEIVED);
        String method = request.getMethod();
        if (!"POST".equals(method) && !"GET".equals(method)) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, POST");
            reject(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, METHOD_NOT_ALLOWED,
                    "method " + printable(method) + " not allowed, use GET or POST");
            return true;
        }
        // the HTTP parser has already checked that a Content-Length is a single number
        if (request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH) > MAX_BODY_BYTES) {
            tooLarge(response, callback);
            return true;
        }
        if (request.getLength() == 0) {
            // no body (every keepalived monitor): nothing to read, answer at once
            answer(request, response, callback);
            return true;
        }
        new BodyDrain(request, response, callback).run();
        return true;
    }

    /** Reads and drops the body (a chunked one may be of any size), then answers. Never blocks. */
    private final class BodyDrain implements Runnable {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private long seen;

        BodyDrain(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        @Override
        public void run() {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    Throwable failure = chunk.getFailure();
                    boolean timeout = failure instanceof TimeoutException;
                    reject(response, callback, timeout ? HttpStatus.REQUEST_TIMEOUT_408 : HttpStatus.BAD_REQUEST_400,
                            timeout ? TIMEOUT : BODY_UNREADABLE, "request body could not be read");
                    return;
                }
                seen += chunk.remaining();
                boolean last = chunk.isLast();
                chunk.release();
                if (seen > MAX_BODY_BYTES) {
                    tooLarge(response, callback);
                    return;
                }
                if (last) {
                    answer(request, response, callback);
                    return;
                }
            }
        }
    }

    private void answer(Request request, Response response, Callback callback) {
        HttpFields headers = request.getHeaders();
        String id = single(headers, ROUTER_ID, response, callback,
                ROUTER_ID_MISSING, ROUTER_ID_EMPTY, ROUTER_ID_REPEATED);
        if (id == null) {
            return;
        }
        if (!RouterIds.isUuid(id)) {
            reject(response, callback, HttpStatus.BAD_REQUEST_400, ROUTER_ID_INVALID,
                    "header " + ROUTER_ID + " is not a UUID");
            return;
        }
        String word = single(headers, STATE, response, callback, STATE_MISSING, STATE_EMPTY, STATE_REPEATED);
        if (word == null) {
            return;
        }
        HaState state;
        try {
            state = HaState.parse(word);
        } catch (IllegalArgumentException e) {
            reject(response, callback, HttpStatus.BAD_REQUEST_400, STATE_INVALID, e.getMessage());
            return;
        }
        String routerId = RouterIds.normalize(id);
        HoldingBuffer.Outcome outcome = buffer.offer(routerId, state);
        if (outcome == HoldingBuffer.Outcome.FULL) {
            reject(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, BUFFER_FULL,
                    "no engine is taking notifications and " + bufferCapacity + " routers are held already");
            return;
        }
        counters.increment(CounterNames.ACCEPTED);
        if (outcome == HoldingBuffer.Outcome.HELD) {
            counters.increment(CounterNames.HELD);
        }
        LOG.debug("Notification {} {}: {}", routerId, state.word(), outcome);
        reply(response, callback, HttpStatus.OK_200, "accepted");
    }

    /** @return the only, non-empty value of header {@code name}; or null once rejected */
    private String single(HttpFields headers, String name, Response response, Callback callback,
            String missing, String empty, String repeated) {
        List<HttpField> fields = headers.getFields(name);
        String problem = null;
        String reason = null;
        if (fields.isEmpty()) {
            problem = "missing header ";
            reason = missing;
        } else if (fields.stream().anyMatch(f -> f.getValue() == null || f.getValue().isEmpty())) {
            problem = "empty header ";
            reason = empty;
        } else if (fields.size() > 1) {
            problem = "repeated header ";
            reason = repeated;
        }
        if (problem != null) {
            reject(response, callback, HttpStatus.BAD_REQUEST_400, reason, problem + name);
            return null;
        }
        return fields.get(0).getValue();
    }

    private void tooLarge(Response response, Callback callback) {
        reject(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, BODY_TOO_LARGE,
                "request body too large (limit " + MAX_BODY_BYTES + " bytes)");
    }

    private void reject(Response response, Callback callback, int status, String reason, String message) {
        counters.increment(CounterNames.REJECTED + reason);
        LOG.debug("Rejected ({}): {}", status, message);
        reply(response, callback, status, message);
    }

    /** Writes a one-line plain-text reply with its length and completes the exchange. */
    static void reply(Response response, Callback callback, int status, String line) {
        byte[] body = (line + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        headers.put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
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

    /**
     * Jetty's error handler for this server: requests the HTTP layer refuses (malformed, headers
     * too large, timeouts) get the same one-line plain-text reply and are counted. Protocol errors
     * stay 4xx even where Jetty would say 5xx (an unknown HTTP version is the client's fault), and
     * so do clients that time out or vanish mid-request. Only a real failure inside the server is a
     * 5xx, counted in {@code errors}.
     */
    static final class ErrorReplies implements Request.Handler {
        private final Counters counters;
        private final HeaderDeadline deadline;

        ErrorReplies(Counters counters, HeaderDeadline deadline) {
            this.counters = counters;
            this.deadline = deadline;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            deadline.watchExchange(request);
            int status = response.getStatus();
            Throwable cause = (Throwable) request.getAttribute(ErrorHandler.ERROR_EXCEPTION);
            String message = (String) request.getAttribute(ErrorHandler.ERROR_MESSAGE);
            if (cause instanceof HttpException) {
                status = ((HttpException) cause).getCode();
                if (message == null) {
                    message = ((HttpException) cause).getReason();
                }
            } else if (cause instanceof TimeoutException) {
                status = HttpStatus.REQUEST_TIMEOUT_408;
            } else if (cause instanceof IOException) {
                status = -1; // the client went away in the middle of a request
            } else if (status >= 500) {
                counters.increment(CounterNames.ERRORS);
                LOG.warn("Internal error answering a state-change request (status {})", status, cause);
                reply(response, callback, HttpStatus.INTERNAL_SERVER_ERROR_500, "internal error");
                return true;
            }
            counters.increment(CounterNames.RECEIVED);
            String reason;
            String line;
            switch (status) {
                case -1:
                    status = HttpStatus.BAD_REQUEST_400;
                    reason = INCOMPLETE;
                    line = "incomplete request";
                    break;
                case HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431:
                    reason = HEADERS_TOO_LARGE;
                    line = "request headers too large";
                    break;
                case HttpStatus.PAYLOAD_TOO_LARGE_413:
                    reason = BODY_TOO_LARGE;
                    line = "request body too large (limit " + MAX_BODY_BYTES + " bytes)";
                    break;
                case HttpStatus.REQUEST_TIMEOUT_408:
                    reason = TIMEOUT;
                    line = "request timed out";
                    break;
                default:
                    if (status >= 400 && status < 500 && status != HttpStatus.BAD_REQUEST_400) {
                        reason = "http_" + status;
                        line = printable(message == null ? HttpStatus.getMessage(status) : message);
                    } else {
                        // a malformed request; also what Jetty answers 5xx (an unknown HTTP version)
                        status = HttpStatus.BAD_REQUEST_400;
                        reason = BAD_HTTP;
                        line = "bad request: " + printable(message == null ? "malformed HTTP" : message);
                    }
                    break;
            }
            counters.increment(CounterNames.REJECTED + reason);
            LOG.debug("Refused by the HTTP layer ({}): {}", status, line);
            reply(response, callback, status, line);
            return true;
        }
    }
}
