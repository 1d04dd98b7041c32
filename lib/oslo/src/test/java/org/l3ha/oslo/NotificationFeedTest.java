package org.l3ha.oslo;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.l3ha.oslo.testing.TcpProxy;
import org.l3ha.oslo.testing.TestBroker;

/**
 * The notification feed against the machine's RabbitMQ: copies of an agent's messages without
 * taking them from the agent's queue, fanout casts, a broker down at start and a broken link.
 */
class NotificationFeedTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final AtomicInteger connects = new AtomicInteger();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private TestBroker broker;
    private String exchange;
    private String host;
    private String agentKey;
    private String fanout;

    @BeforeEach
    void setUp() throws Exception {
        broker = new TestBroker();
        exchange = broker.exchange(TestBroker.unique("l3ha-feed"));
        host = TestBroker.unique("node");
        agentKey = "l3_agent." + host;
        fanout = broker.exchange(TestBroker.unique("l3_agent") + "_fanout");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        broker.close();
    }

    private OsloSettings settings(int port, String topic, String mode) {
        Map<String, Object> p = new HashMap<>();
        p.put("host", host);
        p.put("transport_url", TestBroker.url(port));
        p.put("control_exchange", exchange);
        p.put("topic", topic);
        p.put("rpc_mode", mode);
        p.put("rpc_response_timeout", "10");
        p.put("rabbit_retry_interval", "0.2");
        p.put("rabbit_retry_backoff", "0");
        p.put("rabbit_interval_max", "0.2");
        return OsloSettings.parse(p);
    }

    private NotificationFeed feed(int port, String queue) {
        NotificationFeed f = new NotificationFeed("test feed", "l3ha-test-feed-", settings(port, "q-l3-plugin", "call"),
                null, new OsloCodec(), broker.queue(queue), List.of(agentKey), List.of(fanout),
                new NotificationFeed.Sink() {
                    @Override
                    public void connected() {
                        connects.incrementAndGet();
                        events.add("connected");
                    }

                    @Override
                    public void disconnected(String cause) {
                        events.add("disconnected: " + cause);
                    }

                    @Override
                    public void message(String method, JsonNode args) {
                        events.add(method + " " + args);
                    }
                });
        closing.add(f);
        f.start();
        return f;
    }

    /** @return the next event, failing with what came before if none comes within the deadline */
    private String next(String waitingFor) throws InterruptedException {
        String e = events.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(e, "no event within " + DEADLINE + " while waiting for " + waitingFor);
        return e;
    }

    private String nextMatching(String prefix) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < end) {
            String e = events.poll(1, TimeUnit.SECONDS);
            if (e != null) {
                if (e.startsWith(prefix)) {
                    return e;
                }
                seen.add(e);
            }
        }
        throw new AssertionError("no event starting with '" + prefix + "' within " + DEADLINE + "; saw " + seen);
    }

    @Test
    void copiesTheAgentsMessagesWithoutTakingThemAndNeverAnswersACall() throws Exception {
        Channel ch = broker.channel();
        ch.exchangeDeclare(exchange, "topic", false, false, null);
        // the host's own L3 agent: its queue, bound as oslo.messaging binds a topic.server queue
        String agentQueue = broker.queue(agentKey);
        ch.queueDeclare(agentQueue, false, false, false, null);
        ch.queueBind(agentQueue, exchange, agentKey);

        String queue = TestBroker.unique("l3ha-registry");
        NotificationFeed f = feed(TestBroker.PORT, queue);
        assertEquals("connected", next("the first connection"));
        assertTrue(f.connected());

        // neutron-server's cast to the agent (topic l3_agent, server = host), sent by a real client
        OsloClient server = new OsloClient("test server", "l3ha-test-server-", settings(TestBroker.PORT, agentKey, "cast"),
                null, new OsloCodec(), new OsloClient.Listener() { });
        closing.add(server);
        ObjectNode args = new OsloCodec().mapper().createObjectNode();
        args.putArray("routers").add("8b0e5a3c-0d7f-4f7e-9a36-1d1d6b3c2a11");
        server.send("routers_updated", "1.0", args);
        assertEquals("routers_updated {\"routers\":[\"8b0e5a3c-0d7f-4f7e-9a36-1d1d6b3c2a11\"]}",
                next("routers_updated"));
        // the agent still has its own copy
        GetResponse agentCopy = ch.basicGet(agentQueue, true);
        assertNotNull(agentCopy, "the agent's queue lost the message to the feed");
        assertTrue(new String(agentCopy.getBody(), StandardCharsets.UTF_8).contains("routers_updated"));

        // a call to the agent (router_added_to_agent): copied, and the feed sends nothing back
        String replyQueue = broker.queue(TestBroker.unique("reply"));
        ch.queueDeclare(replyQueue, false, false, true, null);
        OsloCodec codec = new OsloCodec();
        ObjectNode added = codec.mapper().createObjectNode();
        added.putArray("payload").add("8b0e5a3c-0d7f-4f7e-9a36-1d1d6b3c2a11");
        ch.basicPublish(exchange, agentKey, OsloClient.properties(null), codec.envelope(codec.request(
                "router_added_to_agent", "1.1", added, new OsloCodec.CallIds(codec.newHexId(), replyQueue))));
        assertEquals("router_added_to_agent {\"payload\":[\"8b0e5a3c-0d7f-4f7e-9a36-1d1d6b3c2a11\"]}",
                next("router_added_to_agent"));
        assertNotNull(ch.basicGet(agentQueue, true), "the agent's queue lost the call to the feed");

        // a fanout cast (router_deleted goes to every L3 agent)
        ObjectNode deleted = codec.mapper().createObjectNode();
        deleted.put("router_id", "8b0e5a3c-0d7f-4f7e-9a36-1d1d6b3c2a11");
        ch.basicPublish(fanout, "", OsloClient.properties(null), codec.envelope(codec.request("router_deleted", "1.0",
                deleted, null)));
        assertEquals("router_deleted {\"router_id\":\"8b0e5a3c-0d7f-4f7e-9a36-1d1d6b3c2a11\"}", next("router_deleted"));
        assertEquals(0, ch.messageCount(replyQueue), "the feed answered a call");

        // a message for another host is not copied
        ch.basicPublish(exchange, "l3_agent.other-host", OsloClient.properties(null), codec.envelope(codec.request(
                "routers_updated", "1.0", args, null)));
        ch.basicPublish(fanout, "", OsloClient.properties(null), codec.envelope(codec.request("router_deleted", "1.0",
                deleted, null)));
        String after = next("the fanout cast after a message for another host");
        assertTrue(after.startsWith("router_deleted"), "the message for another host was copied: " + after);

        // unreadable bodies are skipped, the feed goes on
        ch.basicPublish(exchange, agentKey, null, "not json".getBytes(StandardCharsets.UTF_8));
        ch.basicPublish(fanout, "", OsloClient.properties(null), codec.envelope(codec.request("router_deleted", "1.0",
                deleted, null)));
        assertEquals("router_deleted {\"router_id\":\"8b0e5a3c-0d7f-4f7e-9a36-1d1d6b3c2a11\"}",
                next("router_deleted after garbage"));

        f.close();
        assertEquals(0, f.liveThreads());
        await("the feed's queue deleted with its consumer").atMost(DEADLINE).until(() -> !queueExists(queue));
    }

    @Test
    void aBrokerDownAtStartAndALinkCutLaterAreReportedAndRecovered() throws Exception {
        TcpProxy proxy = new TcpProxy(TestBroker.HOST, TestBroker.PORT);
        closing.add(proxy);
        proxy.cut();
        NotificationFeed f = feed(proxy.port(), TestBroker.unique("l3ha-registry"));
        String first = next("a failed first attempt");
        assertTrue(first.startsWith("disconnected: cannot connect the notification feed to rabbit://guest:***@"),
                first);
        assertFalse(f.connected());
        proxy.restore();
        assertEquals("connected", nextMatching("connected"));
        assertTrue(f.connected());

        proxy.cut();
        String lost = nextMatching("disconnected");
        assertTrue(lost.contains("lost its connection"), lost);
        proxy.restore();
        assertEquals("connected", nextMatching("connected"));
        assertEquals(2, connects.get());

        // the recovered queue is bound again: a fanout cast arrives
        Channel ch = broker.channel();
        OsloCodec codec = new OsloCodec();
        ObjectNode deleted = codec.mapper().createObjectNode();
        deleted.put("router_id", "8b0e5a3c-0d7f-4f7e-9a36-1d1d6b3c2a11");
        await("a message after the recovery").atMost(DEADLINE).until(() -> {
            ch.basicPublish(fanout, "", OsloClient.properties(null), codec.envelope(codec.request("router_deleted",
                    "1.0", deleted, null)));
            String e = events.poll(1, TimeUnit.SECONDS);
            return e != null && e.startsWith("router_deleted");
        });
    }

    private boolean queueExists(String name) throws Exception {
        Channel ch = broker.channel();
        try {
            ch.queueDeclarePassive(name);
            return true;
        } catch (java.io.IOException e) {
            return false;
        } finally {
            if (ch.isOpen()) {
                ch.close();
            }
        }
    }
}
