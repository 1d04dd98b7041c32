package org.l3ha.registry.file.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReasonsTest {
    @TempDir
    Path tmp;

    @Test
    void reasonsNeverRepeatTheJdksRawFileName() {
        String evil = "/x/evil\u001b[31m.json";
        assertEquals("permission denied", Reasons.reason(new AccessDeniedException(evil)));
        assertEquals("no such file", Reasons.reason(new DirectoryIteratorException(new NoSuchFileException(evil))));
        assertEquals("Device busy", Reasons.reason(new FileSystemException(evil, null, "Device busy")));
        assertEquals("FileSystemException", Reasons.reason(new FileSystemException(evil)));
        assertEquals("bad\\x1b", Reasons.reason(new IOException("bad\u001b")));
    }

    @Test
    void kindSaysWhatASpecialFileIsButNotWhereALinkLeads() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("l.json"), Path.of("/etc/shadow"));
        assertEquals("a symbolic link", Reasons.kind(attrs(link), link));
        Path fifo = tmp.resolve("p.json");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertEquals("a FIFO", Reasons.kind(attrs(fifo), fifo));
        PosixFileAttributes fifoAttrs = attrs(fifo);
        Files.delete(fifo);   // gone by the time it is described: still not regular
        assertEquals("a special file", Reasons.kind(fifoAttrs, fifo));
    }

    private static PosixFileAttributes attrs(Path p) throws IOException {
        return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }
}
