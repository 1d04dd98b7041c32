package org.l3ha.registry.file.impl;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;

import org.l3ha.common.LogText;

/**
 * Log-safe words for what went wrong with an entry of the routers directory: why it could not be
 * read ({@link #reason}) and what a file that is not regular is ({@link #kind}). Nothing here
 * repeats a raw file name from the JDK or names what a link points to: another account may have
 * chosen both.
 */
final class Reasons {

    private Reasons() {
    }

    /** A reason for a log line: escaped, without the JDK's raw file names. */
    static String reason(Throwable e) {
        if (e instanceof DirectoryIteratorException) {
            return reason(e.getCause());
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileSystemLoopException) {
            return "too many levels of symbolic links";
        }
        if (e instanceof FileSystemException f) {
            // getReason() is the system's text; getFile() is a raw name, left out
            return LogText.escape(f.getReason() == null ? e.getClass().getSimpleName() : f.getReason());
        }
        String m = e.getMessage();
        return LogText.escape(m == null ? e.getClass().getSimpleName() : m);
    }

    /** What a non-regular file is, for the log; never what a link points to. */
    static String kind(PosixFileAttributes a, Path file) {
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        try {
            Object mode = Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if (mode instanceof Integer m) {
                switch (m & 0170000) {
                    case 0010000:
                        return "a FIFO";
                    case 0140000:
                        return "a socket";
                    case 0020000:
                        return "a character device";
                    case 0060000:
                        return "a block device";
                    default:
                        break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // it changed meanwhile: still not a regular file when it was looked at
        }
        return "a special file";
    }
}
