package org.l3ha.oslo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.ShutdownSignalException;

import org.junit.jupiter.api.Test;

import org.l3ha.oslo.RpcException.Kind;

/** The kinds and one-line messages of failures, without a broker. */
class RpcFailuresTest {
    private static final TransportUrl URL = TransportUrl.parse("rabbit://l3ha:Sup3rS3cret@rabbit1:5672,rabbit2/");

    private static ShutdownSignalException channelClosed(int code, String text) {
        return new ShutdownSignalException(false, false,
                new AMQP.Channel.Close.Builder().replyCode(code).replyText(text).build(), null);
    }

    private static ShutdownSignalException connectionClosed(int code, String text) {
        return new ShutdownSignalException(true, false,
                new AMQP.Connection.Close.Builder().replyCode(code).replyText(text).build(), null);
    }

    @Test
    void reasonIsTheBrokersReplyTextOfAChannelOrConnectionClose() {
        ShutdownSignalException channel = channelClosed(404, "NOT_FOUND - no exchange 'neutron'");
        assertEquals("NOT_FOUND - no exchange 'neutron'", RpcFailures.reason(new IOException(channel)));
        assertEquals(404, RpcFailures.replyCode(new IOException(channel)));
        ShutdownSignalException connection = connectionClosed(320, "CONNECTION_FORCED - broker forced connection closure");
        assertEquals("CONNECTION_FORCED - broker forced connection closure", RpcFailures.reason(connection));
        assertEquals(320, RpcFailures.replyCode(connection));
        assertEquals(0, RpcFailures.replyCode(new IOException("no close behind it")));
    }

    @Test
    void reasonOfASignalWithoutACloseIsItsCause() {
        ShutdownSignalException lost = new ShutdownSignalException(true, false, null, null);
        lost.initCause(new EOFException());
        assertEquals("connection closed by the peer", RpcFailures.reason(lost));
    }

    @Test
    void reasonOfOtherExceptionsIsTheRootCause() {
        assertEquals("timed out (Connect timed out)",
                RpcFailures.reason(new IOException(new SocketTimeoutException("Connect timed out"))));
        assertEquals("timed out", RpcFailures.reason(new TimeoutException()));
        assertEquals("ConnectException: Connection refused",
                RpcFailures.reason(new IOException("wrapped", new ConnectException("Connection refused"))));
        assertEquals("IllegalStateException", RpcFailures.reason(new IllegalStateException()));
    }

    @Test
    void aFailedPlaintextConnectIsAConnectionFailureWithoutThePassword() {
        RpcException e = RpcFailures.connect(URL, null, new ConnectException("Connection refused"));
        assertEquals(Kind.CONNECTION, e.kind());
        assertEquals("cannot connect to rabbit://l3ha:***@rabbit1:5672,l3ha:***@rabbit2:5672/: ConnectException:"
                + " Connection refused", e.getMessage());
        assertFalse(e.getMessage().contains("Sup3rS3cret"));
        assertTrue(e.getCause() instanceof ConnectException);
    }

    @Test
    void aFailureThatEndedAWaitIsPassedOnAsItIs() {
        RpcException lost = RpcFailures.lost(URL, connectionClosed(320, "CONNECTION_FORCED - shutdown"));
        assertSame(lost, RpcFailures.callFailed(lost));
        assertEquals(Kind.CONNECTION, lost.kind());
        assertEquals("connection to " + URL + " lost: CONNECTION_FORCED - shutdown", lost.getMessage());
        RpcException other = RpcFailures.callFailed(new IllegalStateException("odd"));
        assertEquals(Kind.CONNECTION, other.kind());
        assertEquals("call failed: java.lang.IllegalStateException: odd", other.getMessage());
    }

    @Test
    void eachWayARequestFailsHasItsKind() {
        assertEquals(Kind.TIMEOUT, RpcFailures.noReply("sync_routers", 60_000, "neutron", "q-l3-plugin", "ab").kind());
        assertEquals("no reply from neutron-server to sync_routers within 1500 ms (exchange neutron, topic q-l3-plugin,"
                + " msg_id ab); is neutron-server consuming?",
                RpcFailures.noReply("sync_routers", 1500, "neutron", "q-l3-plugin", "ab").getMessage());
        assertEquals(Kind.TIMEOUT, RpcFailures.noConfirm(2000).kind());
        assertEquals("the broker did not confirm the cast within 2 s", RpcFailures.noConfirm(2000).getMessage());
        assertEquals(Kind.UNROUTABLE, RpcFailures.unroutable("312 NO_ROUTE", "neutron", "q-l3-plugin").kind());
        assertEquals(Kind.NACKED, RpcFailures.nacked("neutron").kind());
        assertEquals(Kind.CONNECTION, RpcFailures.lostBeforeConfirm(channelClosed(404, "NOT_FOUND")).kind());
        assertEquals(Kind.CONNECTION, RpcFailures.publish(URL, new IOException("broken pipe")).kind());
        assertEquals(Kind.CONNECTION, RpcFailures.channelClosed(channelClosed(404, "NOT_FOUND")).kind());
        assertEquals("oslo reporter is stopped", RpcFailures.stopped("oslo reporter").getMessage());
        assertEquals("reply queue reply_1 was deleted", RpcFailures.replyQueueDeleted("reply_1").getMessage());
    }

    @Test
    void aRemoteFailureNamesThePythonClass() {
        RpcException e = RpcFailures.remote("update_ha_routers_states",
                new OsloCodec.RemoteError("AgentNotFoundByTypeHost", "neutron.common.exceptions", "no agent"));
        assertEquals(Kind.REMOTE, e.kind());
        assertEquals(Optional.of("AgentNotFoundByTypeHost"), e.remoteClass());
        assertTrue(e.getMessage().startsWith("neutron-server failed update_ha_routers_states: "), e.getMessage());
    }
}
