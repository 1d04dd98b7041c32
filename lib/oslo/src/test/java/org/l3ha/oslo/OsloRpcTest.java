package org.l3ha.oslo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.Channel;

import org.junit.jupiter.api.Test;

import org.l3ha.oslo.RpcException.Kind;

/**
 * Calls without a broker: the publishing channel is a stand-in that hands each published request
 * to the test, which answers it through {@link OsloRpc#reply} before the publish returns (the
 * caller already waits for that {@code msg_id}).
 */
class OsloRpcTest {
    private final OsloCodec codec = new OsloCodec();
    private final OsloSettings settings = OsloSettings.parse(Map.of("host", "net-1", "transport_url",
            "rabbit://h/", "rpc_response_timeout", "0.2"));
    private final OsloRpc rpc = new OsloRpc("test", settings, codec, "reply_test");
    private final List<ObjectNode> published = new ArrayList<>();

    /** A link whose publishing channel gives each request to {@code answer}, or fails with {@code failure}. */
    private BrokerLink link(Consumer<ObjectNode> answer, IOException failure) {
        BrokerLink l = new BrokerLink("test", null, 1);
        l.publish = (Channel) Proxy.newProxyInstance(Channel.class.getClassLoader(), new Class<?>[] {Channel.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("basicPublish")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    if (failure != null) {
                        throw failure;
                    }
                    ObjectNode request = codec.decode((byte[]) args[args.length - 1]);
                    published.add(request);
                    answer.accept(request);
                    return null;
                });
        return l;
    }

    private byte[] reply(ObjectNode request, boolean ending, String result, String failure) {
        ObjectNode r = codec.mapper().createObjectNode();
        r.put("result", result);
        r.put("failure", failure);
        r.put("ending", ending);
        r.put("_msg_id", request.get("_msg_id").asText());
        return codec.envelope(r);
    }

    private JsonNode call(BrokerLink l) throws Exception {
        return rpc.call(l, "get_router_ids", "1.0", codec.mapper().createObjectNode());
    }

    @Test
    void theReplyThatEndsTheCallIsReturnedAndHeartbeatsAreNot() throws Exception {
        JsonNode result = call(link(request -> {
            rpc.reply(reply(request, false, null, null)); // call-monitor heartbeat
            rpc.reply(reply(request, true, "the result", null));
        }, null));
        assertEquals("the result", result.asText());
        assertEquals("reply_test", published.get(0).get("_reply_q").asText());
    }

    @Test
    void onlyHeartbeatsOrRepliesToOtherCallsTimeOut() {
        RpcException e = assertThrows(RpcException.class, () -> call(link(request -> {
            rpc.reply(reply(request, false, null, null));
            ObjectNode other = request.deepCopy();
            other.put("_msg_id", "another");
            rpc.reply(reply(other, true, "not ours", null));
            rpc.reply("not JSON".getBytes()); // ignored, logged
        }, null)));
        assertEquals(Kind.TIMEOUT, e.kind());
        assertTrue(e.getMessage().contains("within 200 ms"), e.getMessage());
        assertTrue(e.getMessage().contains("msg_id " + published.get(0).get("_msg_id").asText()), e.getMessage());
    }

    @Test
    void aFailureNeutronServerRaisedIsRemote() {
        String failure = "{\"class\": \"AgentNotFoundByTypeHost\", \"module\": \"neutron.exceptions\", \"message\": \"x\"}";
        RpcException e = assertThrows(RpcException.class,
                () -> call(link(request -> rpc.reply(reply(request, false, null, failure)), null)));
        assertEquals(Kind.REMOTE, e.kind());
        assertEquals(Optional.of("AgentNotFoundByTypeHost"), e.remoteClass());
    }

    @Test
    void whatFailsTheWaitingCallsEndsTheCallWithThatFailure() {
        RpcException lost = RpcFailures.stopped("test");
        RpcException e = assertThrows(RpcException.class, () -> call(link(request -> rpc.failWaiting(lost), null)));
        assertSame(lost, e);
    }

    @Test
    void aFailedPublishBreaksTheLink() {
        BrokerLink l = link(request -> { }, new IOException("broken pipe"));
        RpcException e = assertThrows(RpcException.class, () -> call(l));
        assertEquals(Kind.CONNECTION, e.kind());
        assertEquals("cannot publish to rabbit://guest:***@h:5672/: IOException: broken pipe", e.getMessage());
        assertTrue(l.broken);
    }
}
