package org.l3ha.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs curl exactly as Neutron's current state-change monitor does (NEUTRON.md §1.2), plus
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
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("curl did not finish: " + cmd);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("curl exited " + p.exitValue() + ": " + out);
        }
        int nl = out.lastIndexOf('\n');
        return new Reply(Integer.parseInt(out.substring(nl + 1).trim()), out.substring(0, nl));
    }
}
