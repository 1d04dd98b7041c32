package org.l3ha.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.l3ha.common.testing.Exec;
import org.l3ha.itests.support.Pids;

/** The machine: what it is, how busy it is, and what a process costs (from /proc and jcmd). */
final class Machine {
    /** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux x86-64). */
    static final double CLK_TCK = 100.0;

    private Machine() {
    }

    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown CPU";
    }

    static long memTotalMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return -1;
    }

    static String jdk() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    }

    static double loadAvg1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static String loadAvg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " / " + f[1] + " / " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * @return java processes of Karaf, Failsafe or Surefire that are neither this JVM, nor one of
     *         its ancestors (the Maven that runs it), nor a descendant of it (what it started)
     */
    static List<String> foreignJavaProcesses() {
        Set<Long> mine = new HashSet<>();
        ProcessHandle self = ProcessHandle.current();
        mine.add(self.pid());
        for (Optional<ProcessHandle> p = self.parent(); p.isPresent(); p = p.get().parent()) {
            mine.add(p.get().pid());
        }
        self.descendants().forEach(d -> mine.add(d.pid()));
        List<String> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            if (mine.contains(p.pid())) {
                return;
            }
            String cmd = Pids.commandLine(p.pid());
            if (cmd.contains("java") && (cmd.contains("karaf") || cmd.contains("failsafe") || cmd.contains("surefire"))) {
                out.add(p.pid() + " " + (cmd.length() > 120 ? cmd.substring(0, 120) + "..." : cmd));
            }
        });
        return out;
    }

    /**
     * Polls every 30 s until the 1-minute load average is below {@code maxLoad} and no foreign
     * Karaf/Failsafe/Surefire JVM runs, at most {@code max}.
     *
     * @return a one-line description of the conditions when the run started
     */
    static String waitForIdle(double maxLoad, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        long start = System.nanoTime();
        while (true) {
            double load = loadAvg1();
            List<String> others = foreignJavaProcesses();
            boolean idle = load >= 0 && load < maxLoad && others.isEmpty();
            long waited = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            if (idle) {
                return "idle after waiting " + waited + " s: load average " + loadAvg() + ", no other Karaf/Surefire/Failsafe JVM";
            }
            if (System.nanoTime() - deadline >= 0) {
                return "NOT idle after waiting " + waited + " s (ran anyway): load average " + loadAvg()
                        + ", other JVMs: " + (others.isEmpty() ? "none" : String.join("; ", others));
            }
            System.out.printf("[bench] waiting for an idle machine: load %.2f, %d other JVM(s) %s%n", load, others.size(), others);
            Thread.sleep(30_000); // the poll interval of the idle wait, not a synchronisation
        }
    }

    /** @return user + system CPU time of {@code pid} so far, seconds (from /proc/pid/stat) */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // fields after the command (which may contain spaces) in parentheses
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long utime = Long.parseLong(f[11]);
        long stime = Long.parseLong(f[12]);
        return (utime + stime) / CLK_TCK;
    }

    /**
     * @return utime+stime clock ticks of each live JIT compiler thread of {@code pid} (comm
     *         {@code C1 CompilerThre} or {@code C2 CompilerThre} in {@code /proc/<pid>/task/<tid>/stat}), by tid
     */
    static Map<Long, Long> compilerThreadTicks(long pid) throws IOException {
        Map<Long, Long> ticks = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks.put(Long.parseLong(task.getFileName().toString()), Long.parseLong(f[11]) + Long.parseLong(f[12]));
                }
            }
        }
        return ticks;
    }

    /**
     * @return the ticks the threads of {@code after} used since {@code before} (a thread new since
     *         then from zero); threads that ended in between are not counted
     */
    static long ticksSince(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }

    private static final Pattern HEAP_USED = Pattern.compile("total (\\d+)K, used (\\d+)K");

    /**
     * Runs a full GC in {@code pid} ({@code jcmd GC.run}) and reads the heap in use afterwards
     * ({@code jcmd GC.heap_info}).
     *
     * @return used heap after GC, bytes
     */
    static long heapAfterGc(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = HEAP_USED.matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("cannot read the heap from jcmd GC.heap_info: " + info);
        }
        return Long.parseLong(m.group(2)) * 1024;
    }

    static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        return Exec.ok(Duration.ofSeconds(60), null, List.of(jcmd.toString(), Long.toString(pid), command));
    }
}
