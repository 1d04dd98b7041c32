package org.l3ha.itests;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.l3ha.common.testing.Exec;

/**
 * Runs curl exactly as Neutron's current state-change monitor does, plus
 * {@code --max-time} and {@code -w} so the test can read the status.
 */
final class Curl {
    record Reply(int status, String body) {
    }

    private Curl() {
    }

    static Reply notify(Path socket, String routerId, String state) throws IOException, InterruptedException {
        return send(socket, "POST", List.of("X-Neutron-Router-Id: " + routerId, "X-Neutron-State: " + state, "Connection: close"));
    }

    static Reply send(Path socket, String method, List<String> headers) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--connect-timeout", "5", "--max-time", "20", "-X", method));
        for (String h : headers) {
            cmd.add("-H");
            cmd.add(h);
        }
        cmd.addAll(List.of("--unix-socket", socket.toString(), "-w", "\n%{http_code}", "http://127.0.0.1/"));
        String out = Exec.ok(Duration.ofSeconds(30), null, cmd);
        int nl = out.lastIndexOf('\n');
        return new Reply(Integer.parseInt(out.substring(nl + 1).trim()), out.substring(0, nl));
    }
}
