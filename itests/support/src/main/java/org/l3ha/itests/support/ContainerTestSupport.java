package org.l3ha.itests.support;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.l3ha.common.testing.UdsClient;

/**
 * Base of the Pax Exam ITs (Karaf and plain Felix): the agent as {@link Containers} set it up, and
 * the steps most tests take in the container: wait for the state-change socket, notify as a
 * monitor does, read the journal. These run in the container (see {@link Containers} for how the
 * probe gets this class); a test keeps its own {@code @Inject BundleContext}, so that the context
 * is the probe's.
 */
public abstract class ContainerTestSupport {
    /** How long a test waits for the socket. */
    public static final Duration SOCKET_WAIT = Duration.ofSeconds(60);

    /** @return the agent's state_path in the container */
    public static Path state() {
        return Path.of(System.getProperty(Containers.STATE));
    }

    /** @return the state-change socket under {@link #state()} */
    public static Path socket() {
        return socket(state());
    }

    /** @return the state-change socket under {@code statePath} */
    public static Path socket(Path statePath) {
        return statePath.resolve("keepalived-state-change");
    }

    /** @return the journal under {@link #state()} */
    public static Journal journal() {
        return journal(state());
    }

    /** @return the journal under {@code statePath} */
    public static Journal journal(Path statePath) {
        return new Journal(statePath.resolve("ha-states.jsonl"));
    }

    /** @return Neutron's state file of {@code routerId} under {@link #state()} */
    public static Path stateFile(String routerId) {
        return state().resolve("ha_confs").resolve(routerId).resolve("state");
    }

    /** Waits up to {@link #SOCKET_WAIT} for the state-change socket. */
    public static void awaitSocket() {
        Path socket = socket();
        Poll.until("socket " + socket, SOCKET_WAIT, () -> Files.exists(socket));
    }

    /** @return the reply to one notification as curl sends it, on a fresh connection */
    public static UdsClient.Reply notifyAgent(String routerId, String word) throws IOException {
        return UdsClient.notify(socket(), routerId, word);
    }

    /**
     * Once the socket is there, notifies {@code word} for {@code routerId} as curl does, asserts the
     * reply is 200, and waits until the journal reports {@code reported} for it.
     *
     * @return the reply
     */
    public static UdsClient.Reply notifyAndAwaitReported(String routerId, String word, String reported, Duration timeout)
            throws IOException {
        awaitSocket();
        UdsClient.Reply reply = notifyAgent(routerId, word);
        assertEquals(reply.body(), 200, reply.status());
        awaitReported(routerId, reported, timeout);
        return reply;
    }

    /** Waits until the journal's newest state for {@code routerId} is {@code state} (as neutron-server names it). */
    public static void awaitReported(String routerId, String state, Duration timeout) {
        Journal journal = journal();
        Poll.until(state + " for " + routerId + " in the journal", timeout, () -> state.equals(journal.last(routerId)));
    }
}
