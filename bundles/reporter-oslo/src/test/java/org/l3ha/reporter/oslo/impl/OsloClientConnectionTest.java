package org.l3ha.reporter.oslo.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Delivery;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.l3ha.oslo.OsloClient;
import org.l3ha.oslo.OsloCodec;
import org.l3ha.oslo.OsloSettings;
import org.l3ha.oslo.RpcException.Kind;
import org.l3ha.oslo.RpcException;
import org.l3ha.oslo.testing.TcpProxy;
import org.l3ha.oslo.testing.TestBroker;

/**
 * Connection handling against the machine's RabbitMQ, through a {@link TcpProxy} the test cuts:
 * fail fast, never hang, recover automatically, leave no thread behind. The queue bound here stands
 * in for neutron-server in cast mode.
 */
class OsloClientConnectionTest {
    private static final Map<String, String> STATES = Map.of("0b2c6e3a-1111-2222-3333-444455556666", "active");

    private TestBroker broker;
    private TcpProxy proxy;
    private Channel channel;
    private String exchange;
    private String topic;
    private final BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
    private final List<StateRpc> clients = new ArrayList<>();
    private final ReporterStats stats = new ReporterStats(Clock.systemUTC());

    @BeforeEach
    void setUp() throws Exception {
        broker = new TestBroker();
        proxy = new TcpProxy(TestBroker.HOST, TestBroker.PORT);
        exchange = broker.exchange(TestBroker.unique("l3ha-test"));
        topic = TestBroker.unique("q-l3-plugin");
        channel = broker.channel();
    }

    /** A queue bound to the topic, consumed by the test: the cast's neutron-server. */
    private void bindConsumer(boolean durableExchange) throws Exception {
        channel.exchangeDeclare(exchange, "topic", durableExchange, false, null);
        String q = channel.queueDeclare("", false, true, true, null).getQueue();
        channel.queueBind(q, exchange, topic);
        channel.basicConsume(q, true, (tag, d) -> received.add(d), tag -> { });
    }

    @AfterEach
    void tearDown() throws Exception {
        for (StateRpc c : clients) {
            c.close();
        }
        proxy.close();
        broker.close();
    }

    private StateRpc client(int port, String mode, String timeout) {
        OsloSettings s = OsloSettings.parse(OsloReporterTest.props("transport_url", TestBroker.url(port),
                "control_exchange", exchange, "topic", topic, "rpc_mode", mode, "rpc_response_timeout", timeout,
                "rabbit_retry_interval", "0.2", "rabbit_retry_backoff", "0", "rabbit_interval_max", "0.2"));
        StateRpc c = new StateRpc(s, StateRpc.RPC_VERSION, new OsloCodec(), stats);
        clients.add(c);
        broker.queue(c.replyQueue());
        return c;
    }

    private static List<String> clientThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith(StateRpc.THREAD_PREFIX)) {
                names.add(t.getName());
            }
        }
        return names;
    }

    @Test
    void aBlackholedBrokerFailsWithinTheTimeoutInsteadOfHanging() {
        proxy.blackhole();
        StateRpc c = client(proxy.port(), "call", "1");
        RpcException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> assertThrows(RpcException.class, () -> c.updateHaRoutersStates("net-1", STATES)));
        assertEquals(Kind.CONNECTION, e.kind());
        assertEquals(1L, stats.counters(false).get("failures_connection"));
    }

    @Test
    void closeEndsEveryThreadOfTheClient() throws Exception {
        bindConsumer(false);
        StateRpc c = client(TestBroker.PORT, "cast", "10");
        c.updateHaRoutersStates("net-1", STATES);
        assertTrue(c.connected());
        assertTrue(c.liveThreads() > 0);
        assertFalse(clientThreads().isEmpty());
        c.close();
        c.close();
        assertEquals(0, c.liveThreads());
        assertEquals(List.of(), clientThreads());
        assertFalse(c.connected());
        assertEquals(Kind.CONNECTION, assertThrows(RpcException.class,
                () -> c.updateHaRoutersStates("net-1", STATES)).kind());
    }

    @Test
    void closeWhileTheConnectionIsRecoveringEndsTheRecoveryThreadToo() throws Exception {
        bindConsumer(false);
        OsloSettings s = OsloSettings.parse(OsloReporterTest.props("transport_url", TestBroker.url(proxy.port()),
                "control_exchange", exchange, "topic", topic, "rpc_mode", "cast", "rabbit_retry_interval", "30"));
        StateRpc c = new StateRpc(s, StateRpc.RPC_VERSION, new OsloCodec(), stats);
        clients.add(c);
        c.updateHaRoutersStates("net-1", STATES);
        proxy.cut(); // the recovery now waits 30 s before its first attempt
        await().atMost(Duration.ofSeconds(10)).until(() -> !c.connected());
        assertFalse(clientThreads().isEmpty());
        c.close();
        assertEquals(List.of(), clientThreads());
    }

    @Test
    void aLostConnectionIsRecoveredAutomatically() throws Exception {
        bindConsumer(false);
        StateRpc c = client(proxy.port(), "cast", "10");
        c.updateHaRoutersStates("net-1", STATES);
        proxy.cut();
        await().atMost(Duration.ofSeconds(10)).until(() -> stats.counters(c.connected()).get("connections_lost") == 1);
        assertFalse(c.connected());
        proxy.restore();
        // the connection is open again before its channels are; the recovery is done when the
        // client's listener hears of it, and only then is the connection used as it was
        await().atMost(Duration.ofSeconds(20))
                .until(() -> stats.counters(c.connected()).get("connection_recoveries") == 1 && c.connected());
        c.updateHaRoutersStates("net-1", STATES);
        assertEquals(1L, stats.counters(true).get("connections_opened"), "the recovered connection was used");
        assertNotNull(received.poll(10, TimeUnit.SECONDS));
        assertNotNull(received.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void duringAnOutageABatchFailsFastAndTheFirstAfterItReconnects() throws Exception {
        bindConsumer(false);
        StateRpc c = client(proxy.port(), "call", "10");
        proxy.cut();
        RpcException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> assertThrows(RpcException.class, () -> c.updateHaRoutersStates("net-1", STATES)));
        assertEquals(Kind.CONNECTION, e.kind());
        proxy.restore();
        StateRpc cast = client(proxy.port(), "cast", "10");
        cast.updateHaRoutersStates("net-1", STATES);
        assertNotNull(received.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void aCallWaitingForItsReplyFailsAtOnceWhenTheConnectionBreaks() throws Exception {
        bindConsumer(false); // routed, but nobody replies
        StateRpc c = client(proxy.port(), "call", "60");
        Thread cutter = new Thread(() -> {
            try {
                received.poll(10, TimeUnit.SECONDS); // the call is out: now cut
                proxy.cut();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        cutter.start();
        RpcException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(RpcException.class, () -> c.updateHaRoutersStates("net-1", STATES)));
        cutter.join();
        assertEquals(Kind.CONNECTION, e.kind());
        assertTrue(e.getMessage().contains("lost"), e.getMessage());
    }

    @Test
    void anExistingExchangeWithOtherFlagsIsUsedAsItIs() throws Exception {
        bindConsumer(true); // durable, as with amqp_durable_queues = true on neutron-server
        StateRpc c = client(TestBroker.PORT, "cast", "10");
        c.updateHaRoutersStates("net-1", STATES);
        assertNotNull(received.poll(10, TimeUnit.SECONDS));
        c.updateHaRoutersStates("net-1", STATES);
        assertNotNull(received.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void theReplyQueueIsDeclaredLikeOslosAndReusedByEveryCall() throws Exception {
        StateRpc c = client(TestBroker.PORT, "call", "0.5");
        assertThrows(RpcException.class, () -> c.updateHaRoutersStates("net-1", STATES));
        assertThrows(RpcException.class, () -> c.updateHaRoutersStates("net-1", STATES));
        assertEquals(1L, stats.counters(true).get("connections_opened"));
        assertTrue(c.replyQueue().matches("reply_[0-9a-f]{32}"));
        Channel ch = broker.channel();
        // a passive declare succeeds only if it exists; redeclaring with oslo's arguments must match
        ch.queueDeclarePassive(c.replyQueue());
        ch.queueDeclare(c.replyQueue(), false, false, false, Map.of("x-expires", OsloClient.REPLY_QUEUE_EXPIRES_MS));
        assertEquals(1, ch.consumerCount(c.replyQueue()));
    }

    /** Replies the test sends to each call: heartbeats only, or a heartbeat and then the final reply. */
    private volatile boolean answer;

    /** The test plays neutron-server: it consumes the calls and replies on their reply queue. */
    private void respond() throws Exception {
        OsloCodec codec = new OsloCodec();
        String q = channel.queueDeclare("", false, true, true, null).getQueue();
        channel.queueBind(q, exchange, topic);
        channel.basicConsume(q, true, (tag, d) -> {
            ObjectNode call = codec.decode(d.getBody());
            for (boolean ending : answer ? new boolean[] {false, true} : new boolean[] {false, false}) {
                ObjectNode r = codec.mapper().createObjectNode();
                r.putNull("result");
                r.putNull("failure");
                r.put("ending", ending);
                r.put("_msg_id", call.get("_msg_id").asText());
                r.put("_unique_id", codec.newHexId());
                channel.basicPublish("", call.get("_reply_q").asText(), OsloClient.properties(null), codec.envelope(r));
            }
            received.add(d);
        }, tag -> { });
    }

    @Test
    void heartbeatsDoNotEndACallAndAChannelErrorFailsItAtOnce() throws Exception {
        channel.exchangeDeclare(exchange, "topic", false, false, null);
        respond();
        StateRpc c = client(TestBroker.PORT, "call", "1.5");

        answer = false; // call-monitor heartbeats only: the call must still time out
        RpcException timeout = assertThrows(RpcException.class, () -> c.updateHaRoutersStates("net-1", STATES));
        assertEquals(Kind.TIMEOUT, timeout.kind());
        answer = true;
        c.updateHaRoutersStates("net-1", STATES);
        assertEquals(1L, stats.counters(true).get("batches_delivered"));

        // the exchange disappears: publishing to it closes the channel (404), which fails the call at once
        channel.exchangeDelete(exchange);
        RpcException closed = assertThrows(RpcException.class, () -> c.updateHaRoutersStates("net-1", STATES));
        assertEquals(Kind.CONNECTION, closed.kind(), closed.getMessage());
        assertTrue(closed.getMessage().contains("NOT_FOUND"), closed.getMessage());

        // the next batch reconnects and declares the exchange again
        channel.exchangeDeclare(exchange, "topic", false, false, null);
        respond();
        c.updateHaRoutersStates("net-1", STATES);
        assertEquals(2L, stats.counters(true).get("batches_delivered"));
        assertEquals(2L, stats.counters(true).get("connections_opened"));
    }

    @Test
    void aCastTheBrokerRejectsIsNacked() throws Exception {
        channel.exchangeDeclare(exchange, "topic", false, false, null);
        // a full queue that rejects new messages: the broker nacks what is routed to it
        String q = channel.queueDeclare("", false, true, true,
                Map.of("x-max-length", 0, "x-overflow", "reject-publish")).getQueue();
        channel.queueBind(q, exchange, topic);
        StateRpc c = client(TestBroker.PORT, "cast", "10");
        RpcException e = assertThrows(RpcException.class, () -> c.updateHaRoutersStates("net-1", STATES));
        assertEquals(Kind.NACKED, e.kind(), e.getMessage());
        assertEquals(1L, stats.counters(true).get("failures_nacked"));
    }

    @Test
    void aClusterUrlConnectsToAMemberThatIsUp() throws Exception {
        bindConsumer(false);
        proxy.cut(); // this member refuses
        OsloSettings s = OsloSettings.parse(OsloReporterTest.props("transport_url", "rabbit://guest:guest@127.0.0.1:"
                + proxy.port() + ",guest:guest@" + TestBroker.HOST + ":" + TestBroker.PORT + "/",
                "control_exchange", exchange, "topic", topic, "rpc_mode", "cast"));
        StateRpc c = new StateRpc(s, StateRpc.RPC_VERSION, new OsloCodec(), stats);
        clients.add(c);
        c.updateHaRoutersStates("net-1", STATES);
        assertNotNull(received.poll(10, TimeUnit.SECONDS));
    }
}
