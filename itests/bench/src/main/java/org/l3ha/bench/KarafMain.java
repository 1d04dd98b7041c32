package org.l3ha.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.l3ha.itests.support.Dirs;

/**
 * Starts one benchmark-configured l3ha Karaf with {@code routers} router documents and keeps it
 * until stdin closes (for profiling by hand: JFR, LoadGen). Args: routers [advert_int].
 */
public final class KarafMain {
    private KarafMain() {
    }

    public static void main(String[] args) throws Exception {
        int routers = Integer.parseInt(args[0]);
        int advert = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path work = Files.createTempDirectory(Path.of("/tmp"), "l3ha-bench-karaf-");
        try (KarafInstance k = KarafInstance.create(work, advert)) {
            RouterDocs.write(k.routersDir(), routers);
            k.start(routers, Duration.ofMinutes(5));
            System.out.println("socket " + k.socket() + " pid " + k.pid() + " journal " + k.journal());
            System.in.read();
        } finally {
            Dirs.deleteTree(work);
        }
    }
}
