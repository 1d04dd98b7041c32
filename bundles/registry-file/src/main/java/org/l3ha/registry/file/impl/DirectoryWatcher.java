package org.l3ha.registry.file.impl;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.common.LogText;
import org.l3ha.common.SafeFiles;

/**
 * Watches one routers directory on its own daemon thread ({@value #THREAD_NAME}) and tells the
 * registry which files changed. Bursts of events are coalesced ({@link Timing#settle()}); an
 * overflow, a vanished, reappeared or replaced directory, and every {@link Timing#rescan()} ask
 * for a full rescan. While the directory is missing it is looked for every {@link Timing#poll()}.
 * The directory is opened like {@link RouterFiles} reads it ({@link SafeFiles#openDirectory}): if
 * it is reached through a link another account owns, it is not watched. Only names of
 * {@code *.json} entries are passed on; what they are is decided when they are read.
 */
final class DirectoryWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatcher.class);

    static final String THREAD_NAME = "l3ha-registry-file";

    /** What the watcher asks of the registry; called on the watcher thread. */
    interface Callback {
        /** @param names names of {@code *.json} files that were created, modified or deleted */
        void filesChanged(DirectoryWatcher source, Set<String> names);

        /** @param reason why, for the log */
        void rescan(DirectoryWatcher source, String reason);
    }

    private final Path dir;
    private final Timing timing;
    private final Callback callback;
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean stopped;
    /* assigned by open() (before start on the caller's thread, later only on the watcher thread) */
    private volatile WatchService watchService;
    private Object watchedKey;
    private boolean unavailableReported;
    private boolean failureReported;

    DirectoryWatcher(Path dir, Timing timing, Callback callback) {
        this.dir = dir;
        this.timing = timing;
        this.callback = callback;
        this.thread = new Thread(this::run, THREAD_NAME);
        this.thread.setDaemon(true);
    }

    Path dir() {
        return dir;
    }

    boolean isStopped() {
        return stopped;
    }

    /**
     * Starts watching the directory. Call once before {@link #start()} (so that nothing written
     * between the first scan and the start of the thread is missed); the thread calls it again
     * while the directory is missing. Logs once while the directory is unavailable.
     *
     * @return whether the directory is now watched
     */
    boolean open() {
        WatchService ws = null;
        // opened as the files in it are read: a link on the way only if root or l3ha's account owns it
        try (SecureDirectoryStream<Path> opened = SafeFiles.openDirectory(dir)) {
            BasicFileAttributes attrs = opened.getFileAttributeView(BasicFileAttributeView.class).readAttributes();
            if (!attrs.isDirectory()) {
                throw new NotDirectoryException(dir.toString());
            }
            ws = dir.getFileSystem().newWatchService();
            dir.register(ws, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
            watchedKey = attrs.fileKey();
            watchService = ws;
            if (stopped) {
                closeWatchService();
                return false;
            }
            if (unavailableReported) {
                unavailableReported = false;
                LOG.info("routers_dir {} appeared; loading and watching it", LogText.path(dir));
            }
            return true;
        } catch (IOException e) {
            closeQuietly(ws);
            if (!unavailableReported) {
                unavailableReported = true;
                LOG.warn("routers_dir {} {}; no routers from it until it can be read (looking every {} ms)",
                        LogText.path(dir), unavailableReason(e), timing.poll().toMillis());
            }
            return false;
        }
    }

    void start() {
        thread.start();
    }

    /**
     * Stops the thread and waits for it at most {@link Timing#stopWait()}. Idempotent, never throws.
     *
     * @return whether the thread has ended
     */
    boolean stop() {
        stopped = true;
        stopSignal.countDown();
        closeWatchService();
        if (thread.getState() == Thread.State.NEW || thread == Thread.currentThread()) {
            return true;
        }
        try {
            thread.join(timing.stopWait().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("Watcher thread {} of {} did not stop within {} ms; it ends after its current reload",
                    THREAD_NAME, LogText.path(dir), timing.stopWait().toMillis());
            return false;
        }
        return true;
    }

    private void run() {
        long rescanNanos = timing.rescan().toNanos();
        long nextRescan = System.nanoTime() + rescanNanos;
        // the registry scanned the directory before start(); after losing the watch it must rescan
        // once even if the directory cannot be watched again, so that a vanished one empties it
        boolean rescanWhenUnavailable = false;
        try {
            while (!stopped) {
                try {
                    WatchService ws = watchService;
                    if (ws == null) {
                        if (open()) {
                            callback.rescan(this, "directory available");
                            nextRescan = System.nanoTime() + rescanNanos;
                            rescanWhenUnavailable = false;
                            continue;
                        }
                        if (stopped) {
                            break;
                        }
                        if (rescanWhenUnavailable) {
                            rescanWhenUnavailable = false;
                            callback.rescan(this, "directory unavailable");
                        } else if (System.nanoTime() - nextRescan >= 0) {
                            callback.rescan(this, "periodic rescan");
                            nextRescan = System.nanoTime() + rescanNanos;
                        }
                        if (stopSignal.await(timing.poll().toMillis(), TimeUnit.MILLISECONDS)) {
                            break;
                        }
                        continue;
                    }
                    long wait = Math.min(timing.poll().toNanos(), Math.max(0, nextRescan - System.nanoTime()));
                    WatchKey key = ws.poll(wait, TimeUnit.NANOSECONDS);
                    if (key != null && !handle(ws, key)) {
                        rescanWhenUnavailable = true;
                        continue;
                    }
                    if (!sameDirectory()) {
                        LOG.info("routers_dir {} was removed or replaced; rescanning", LogText.path(dir));
                        closeWatchService();
                        rescanWhenUnavailable = true;
                        continue;
                    }
                    if (System.nanoTime() - nextRescan >= 0) {
                        callback.rescan(this, "periodic rescan");
                        nextRescan = System.nanoTime() + rescanNanos;
                    }
                    if (failureReported) {
                        failureReported = false;
                        LOG.info("Watcher of routers_dir {} recovered", LogText.path(dir));
                    }
                } catch (ClosedWatchServiceException e) {
                    if (!stopped) {
                        watchService = null;
                        rescanWhenUnavailable = true;
                    }
                } catch (RuntimeException | LinkageError e) {
                    if (!failureReported) {
                        failureReported = true;
                        LOG.warn("Watcher of routers_dir {} failed; retrying", LogText.path(dir), e);
                    }
                    if (stopSignal.await(timing.poll().toMillis(), TimeUnit.MILLISECONDS)) {
                        break;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeWatchService();
            LOG.debug("Watcher of routers_dir {} ended", LogText.path(dir));
        }
    }

    /**
     * Collects a burst of events (until {@link Timing#settle()} passes without one, at most
     * {@link Timing#settleMax()}) and hands them to the registry.
     *
     * @return false if the watch key became invalid (the directory is gone)
     */
    private boolean handle(WatchService ws, WatchKey first) throws InterruptedException {
        Set<String> names = new HashSet<>();
        boolean overflow = false;
        boolean valid = true;
        long deadline = System.nanoTime() + timing.settleMax().toNanos();
        WatchKey key = first;
        while (key != null) {
            for (WatchEvent<?> event : key.pollEvents()) {
                if (event.kind() == OVERFLOW) {
                    overflow = true;
                    names.clear();
                } else if (!overflow && event.context() instanceof Path) {
                    String name = event.context().toString();
                    if (RouterFiles.isRouterFileName(name)) {
                        names.add(name);
                    }
                }
            }
            if (!key.reset()) {
                valid = false;
                break;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || stopped) {
                break;
            }
            key = ws.poll(Math.min(timing.settle().toNanos(), left), TimeUnit.NANOSECONDS);
        }
        if (stopped) {
            return false;
        }
        if (!valid) {
            LOG.info("routers_dir {} is no longer watchable (removed?); rescanning", LogText.path(dir));
            closeWatchService();
            return false;
        }
        if (overflow) {
            LOG.info("Too many changes in routers_dir {} at once (event overflow); rescanning", LogText.path(dir));
            callback.rescan(this, "event overflow");
        } else if (!names.isEmpty()) {
            callback.filesChanged(this, names);
        }
        return true;
    }

    private boolean sameDirectory() {
        try {
            BasicFileAttributes attrs = Files.readAttributes(dir, BasicFileAttributes.class);
            return attrs.isDirectory() && Objects.equals(attrs.fileKey(), watchedKey);
        } catch (IOException e) {
            return false;
        }
    }

    private void closeWatchService() {
        WatchService ws = watchService;
        watchService = null;
        closeQuietly(ws);
    }

    private static void closeQuietly(WatchService ws) {
        if (ws != null) {
            try {
                ws.close();
            } catch (IOException e) {
                LOG.debug("Closing a watch service failed", e);
            }
        }
    }

    private static String unavailableReason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "does not exist";
        }
        if (e instanceof NotDirectoryException) {
            return "is not a directory";
        }
        return "cannot be opened or watched (" + Reasons.reason(e) + ")";
    }
}
