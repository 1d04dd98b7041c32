package org.l3ha.oslo;

import java.io.IOException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Encodes and decodes oslo.messaging's RPC messages in the 2.0 envelope
 * ({@code docs/behaviour.md} §6.3): the AMQP body is a JSON object with {@code oslo.version} = "2.0" and
 * {@code oslo.message} = a string holding the JSON of the inner message.
 *
 * <p>A request's inner message carries {@code method}, {@code args}, {@code version}, for a call
 * {@code _msg_id}, {@code _reply_q}, {@code _timeout}, then {@code _unique_id} and one
 * {@code _context_<key>} per field of the request context. The context is the one Neutron's L3
 * agent sends ({@code neutron_lib.context.get_admin_context_without_session()} serialised by
 * oslo.context and neutron-lib): an admin context without user or project, a fresh
 * {@code req-<uuid>} request id and a UTC timestamp in Python's {@code str(datetime)} format.
 */
public final class OsloCodec {
    static final String ENVELOPE_VERSION = "2.0";
    static final String VERSION_KEY = "oslo.version";
    static final String MESSAGE_KEY = "oslo.message";
    static final String CONTEXT_PREFIX = "_context_";
    /** Python's {@code str(datetime.utcnow())} (with microseconds, which it shows unless they are 0). */
    static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

    /** What a reply says; {@code failure} is null on success. */
    public record Reply(String msgId, boolean ending, JsonNode result, RemoteError failure) {
    }

    /** An exception raised inside the RPC server, as oslo.messaging serialises it. */
    public record RemoteError(String className, String module, String message) {
        @Override
        public String toString() {
            return (module == null || module.isEmpty() ? "" : module + ".") + className + ": " + message;
        }
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final Clock clock;
    private final Supplier<UUID> uuids;

    public OsloCodec() {
        this(Clock.systemUTC(), UUID::randomUUID);
    }

    /**
     * @param clock source of the context timestamp
     * @param uuids source of request ids, {@code _unique_id} and {@code _msg_id}
     */
    public OsloCodec(Clock clock, Supplier<UUID> uuids) {
        this.clock = clock;
        this.uuids = uuids;
    }

    /** @return a new uuid4 as 32 lower-case hex digits (Python's {@code uuid.uuid4().hex}) */
    public String newHexId() {
        return hex(uuids.get());
    }

    public static String hex(UUID uuid) {
        return uuid.toString().replace("-", "");
    }

    /**
     * The request context of Neutron's L3 agent, as the {@code _context_*} keys carry it.
     *
     * @return key (without prefix) to value, in neutron-lib's {@code to_dict()} order
     */
    public ObjectNode adminContext() {
        ObjectNode c = mapper.createObjectNode();
        // oslo.context RequestContext.to_dict()
        c.putNull("user");
        c.putNull("project_id");
        c.putNull("system_scope");
        c.putNull("project");
        c.putNull("domain");
        c.putNull("user_domain");
        c.putNull("project_domain");
        c.put("is_admin", true);
        c.put("read_only", false);
        c.put("show_deleted", false);
        c.putNull("auth_token");
        c.put("request_id", "req-" + uuids.get());
        c.putNull("global_request_id");
        c.putNull("resource_uuid");
        ArrayNode roles = c.putArray("roles");
        roles.add("admin").add("member").add("reader");
        c.put("user_identity", "- - - - -");
        c.put("is_admin_project", true);
        // neutron-lib ContextBase.to_dict() additions
        c.putNull("user_id");
        c.putNull("tenant_id");
        c.put("timestamp", TIMESTAMP.format(clock.instant()));
        c.putNull("tenant_name");
        c.putNull("project_name");
        c.putNull("user_name");
        return c;
    }

    /**
     * The inner message of a request.
     *
     * @param method the RPC method
     * @param version the RPC API version the message claims
     * @param args the method's keyword arguments
     * @param call for a call: {@code _msg_id} and {@code _reply_q}; null for a cast
     */
    public ObjectNode request(String method, String version, ObjectNode args, CallIds call) {
        ObjectNode m = mapper.createObjectNode();
        m.put("method", method);
        m.set("args", args);
        m.put("version", version);
        if (call != null) {
            m.put("_msg_id", call.msgId());
            m.put("_reply_q", call.replyQueue());
            m.putNull("_timeout");
        }
        m.put("_unique_id", newHexId());
        adminContext().properties().forEach(e -> m.set(CONTEXT_PREFIX + e.getKey(), e.getValue()));
        return m;
    }

    /** The ids a call adds to its message. */
    public record CallIds(String msgId, String replyQueue) {
    }

    /** @return the AMQP body: the 2.0 envelope around {@code inner}, UTF-8 JSON */
    public byte[] envelope(ObjectNode inner) {
        try {
            ObjectNode env = mapper.createObjectNode();
            env.put(VERSION_KEY, ENVELOPE_VERSION);
            env.put(MESSAGE_KEY, mapper.writeValueAsString(inner));
            return mapper.writeValueAsBytes(env);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode an oslo.messaging message", e); // a tree always encodes
        }
    }

    /**
     * Decodes an AMQP body. Like oslo.messaging, a JSON object without the two envelope keys is
     * taken as the message itself (a pre-envelope sender).
     *
     * @return the inner message
     * @throws IOException if the body is not JSON, the envelope's version is not 2.x or the inner
     *         message is not a JSON object
     */
    public ObjectNode decode(byte[] body) throws IOException {
        JsonNode outer = mapper.readTree(body);
        if (outer == null || !outer.isObject()) {
            throw new IOException("not a JSON object");
        }
        if (!outer.has(VERSION_KEY) || !outer.has(MESSAGE_KEY)) {
            return (ObjectNode) outer;
        }
        String version = outer.get(VERSION_KEY).asText();
        if (!version.equals("2") && !version.startsWith("2.")) {
            throw new IOException("unsupported oslo.messaging envelope version " + version);
        }
        JsonNode inner = mapper.readTree(outer.get(MESSAGE_KEY).asText());
        if (inner == null || !inner.isObject()) {
            throw new IOException("oslo.message is not a JSON object");
        }
        return (ObjectNode) inner;
    }

    /**
     * Reads a reply's inner message: {@code result}, {@code failure} (null, or a JSON string of
     * {@code {class, module, message, tb, args, kwargs}}), {@code ending}, {@code _msg_id}.
     */
    public Reply reply(ObjectNode inner) {
        String msgId = inner.path("_msg_id").asText(null);
        boolean ending = inner.path("ending").asBoolean(false);
        JsonNode failure = inner.get("failure");
        RemoteError error = null;
        if (failure != null && !failure.isNull()) {
            error = remoteError(failure);
        }
        JsonNode result = inner.get("result");
        return new Reply(msgId, ending, result == null ? mapper.nullNode() : result, error);
    }

    private RemoteError remoteError(JsonNode failure) {
        JsonNode f = failure;
        if (failure.isTextual()) {
            try {
                f = mapper.readTree(failure.asText());
            } catch (IOException e) {
                return new RemoteError("RemoteError", "", failure.asText());
            }
        }
        if (f == null || !f.isObject()) {
            return new RemoteError("RemoteError", "", String.valueOf(failure));
        }
        return new RemoteError(f.path("class").asText("RemoteError"), f.path("module").asText(""),
                f.path("message").asText(""));
    }

    public ObjectMapper mapper() {
        return mapper;
    }
}
