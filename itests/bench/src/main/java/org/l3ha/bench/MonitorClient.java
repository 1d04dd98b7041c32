package org.l3ha.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends one notification per router, {@code concurrency} at a time, one connection each, byte for
 * byte what Neutron's Python monitor (httplib2) sends (as LoadGen does), and remembers the wall
 * clock when the first connection was opened: the start of a mass failover.
 */
final class MonitorClient {
    record Result(long firstSendEpochMillis, long lastReplyEpochMillis, int ok, int errors, String firstError) {
    }

    private MonitorClient() {
    }

    static byte[] httplib2(String routerId, String state) {
        return ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nx-neutron-router-id: " + routerId + "\r\nx-neutron-state: " + state
                + "\r\nconnection: close\r\nuser-agent: Python-httplib2/0.20.4 (gzip)\r\naccept-encoding: gzip, deflate\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    static Result sendAll(Path socket, List<String> routerIds, String state, int concurrency) throws InterruptedException {
        UnixDomainSocketAddress addr = UnixDomainSocketAddress.of(socket);
        byte[][] requests = new byte[routerIds.size()][];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = httplib2(routerIds.get(i), state);
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicLong first = new AtomicLong(Long.MAX_VALUE);
        AtomicLong last = new AtomicLong();
        String[] firstError = new String[1];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            Thread th = new Thread(() -> {
                ByteBuffer in = ByteBuffer.allocate(4096);
                for (int k; (k = next.getAndIncrement()) < requests.length;) {
                    first.accumulateAndGet(System.currentTimeMillis(), Math::min);
                    try {
                        if (exchange(addr, requests[k], in) == 200) {
                            ok.incrementAndGet();
                        } else {
                            errors.incrementAndGet();
                        }
                    } catch (IOException | RuntimeException e) {
                        errors.incrementAndGet();
                        synchronized (firstError) {
                            if (firstError[0] == null) {
                                firstError[0] = e.toString();
                            }
                        }
                    }
                    last.accumulateAndGet(System.currentTimeMillis(), Math::max);
                }
            }, "monitor-client-" + t);
            threads.add(th);
        }
        threads.forEach(Thread::start);
        for (Thread th : threads) {
            th.join();
        }
        return new Result(first.get(), last.get(), ok.get(), errors.get(), firstError[0]);
    }

    /** One request on its own connection; reads the reply to EOF (the server closes). @return the status */
    private static int exchange(UnixDomainSocketAddress addr, byte[] request, ByteBuffer in) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(addr);
            ByteBuffer out = ByteBuffer.wrap(request);
            while (out.hasRemaining()) {
                ch.write(out);
            }
            in.clear();
            while (ch.read(in) >= 0) {
                if (!in.hasRemaining()) {
                    in.clear();
                }
            }
            String head = new String(in.array(), 0, Math.min(in.position(), 12), StandardCharsets.ISO_8859_1);
            if (!head.startsWith("HTTP/1.1 ")) {
                throw new IOException("bad reply: " + head);
            }
            return Integer.parseInt(head.substring(9, 12));
        }
    }
}
