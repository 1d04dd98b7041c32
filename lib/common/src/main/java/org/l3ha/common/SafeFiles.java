package org.l3ha.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * File operations for directories that another account may write. Longer than ~350 lines on
 * purpose: every operation (read, write, append, delete, list, create) goes through the same
 * component-by-component walk below, and keeping them beside that one walk is what makes it easy to
 * see that none of them opens a path any other way. l3ha runs as root beside
 * directories that belong to the {@code neutron} account ({@code state_path},
 * {@code /var/lib/neutron}); whoever can write there must not be able to make root open, write,
 * append to or read another file by planting a symbolic link.
 *
 * <p>Every path is resolved from {@code /} one component at a time through directory handles
 * ({@code openat} with {@code O_NOFOLLOW}), never by name in one go:
 * <ul>
 * <li>a directory on the way that is a symbolic link is followed only if the link belongs to
 * root or to the account l3ha runs as (an administrator's {@code /var/lib/neutron -> /srv/neutron}
 * works; a link another account planted is refused with an error naming it and its owner);</li>
 * <li>the file itself is never followed if it is a link, and only a regular file with a single
 * name is read or appended to (a FIFO or device is refused before it could block or do harm; a
 * hard link to another file is refused);</li>
 * <li>a file is replaced through a new file under a fresh random name, created exclusively in the
 * same directory and renamed over the old one, so a name planted in advance is never written
 * through;</li>
 * <li>a missing directory is created (by {@code mkdir}, which never follows a link), then opened
 * without following links and checked to belong to this account before anything is put in it.</li>
 * </ul>
 * Needs {@code openat} (Linux); each call opens and closes its own handles, so it is thread-safe.
 * A caller that writes in one directory again and again holds it open instead ({@link HeldDirectory},
 * opened by the same walk) and writes relative to it
 * ({@link #write(SecureDirectoryStream, Path, byte[], Set, boolean)}).
 *
 * <p>Limit: Java cannot open a file without blocking, so an account that swaps a FIFO in between
 * the type check and the open makes that one read wait until someone writes to the FIFO. It can
 * make l3ha neither read nor write anything else that way; callers that must not hang bound the
 * read with a timeout.
 */
public final class SafeFiles {

    public static final Set<PosixFilePermission> DIR_0755 = PosixFilePermissions.fromString("rwxr-xr-x");
    public static final Set<PosixFilePermission> FILE_0644 = PosixFilePermissions.fromString("rw-r--r--");
    public static final Set<PosixFilePermission> FILE_0600 = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> FILE_0444 = PosixFilePermissions.fromString("r--r--r--");

    /** Symbolic links followed while resolving one path, at most (the kernel's limit). */
    static final int MAX_LINKS = 40;

    private static final Path ROOT = Path.of("/");
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String TRUSTED_USER = "root";
    private static final String TRUSTED_GROUP = "root";
    private static final Identity SELF = Identity.ofThisProcess();

    /** The account and group this process runs as, by name. */
    private record Identity(String user, String group) {
        static Identity ofThisProcess() {
            try {
                PosixFileAttributes a = Files.readAttributes(Path.of("/proc/self"), PosixFileAttributes.class);
                return new Identity(a.owner().getName(), a.group().getName());
            } catch (IOException | RuntimeException e) {
                return new Identity(System.getProperty("user.name", TRUSTED_USER), TRUSTED_GROUP);
            }
        }
    }

    private SafeFiles() {
    }

    /** @return the name of the account this process runs as */
    public static String self() {
        return SELF.user();
    }

    /**
     * Opens a directory for operations relative to it, resolving {@code dir} as described above.
     *
     * @param dir an absolute path
     * @return a handle on the directory; the caller closes it
     * @throws NoSuchFileException if a component does not exist
     * @throws IOException if a component is a link another account owns, or not a directory
     */
    public static SecureDirectoryStream<Path> openDirectory(Path dir) throws IOException {
        return walk(absolute(dir), null, null);
    }

    /**
     * As {@link #openDirectory(Path)}, first creating the missing directories on the way with
     * {@code mode} (see {@link #createDirectories}), in the same walk.
     */
    public static SecureDirectoryStream<Path> openDirectory(Path dir, Set<PosixFilePermission> mode) throws IOException {
        return walk(absolute(dir), Objects.requireNonNull(mode, "mode"), null);
    }

    /**
     * Reads a whole regular file.
     *
     * @param max the most bytes to accept
     * @throws NoSuchFileException if the file (or a directory on the way) does not exist
     * @throws IOException if it is a link, not a regular file, larger than {@code max}, or unreadable
     */
    public static byte[] read(Path file, int max) throws IOException {
        Path abs = absolute(file);
        try (SecureDirectoryStream<Path> dir = walk(abs.getParent(), null, null)) {
            Path name = abs.getFileName();
            requireRegular(dir, name, abs);
            requireSingleLink(abs, "not read");
            try (SeekableByteChannel ch = dir.newByteChannel(name, Set.of(StandardOpenOption.READ, NOFOLLOW))) {
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(max + 1L, Math.max(16, ch.size() + 1)));
                while (true) {
                    if (!buf.hasRemaining()) {
                        if (buf.capacity() > max) {
                            throw new IOException(LogText.path(abs) + " is larger than " + max + " bytes");
                        }
                        ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(max + 1L, buf.capacity() * 2L));
                        buf.flip();
                        bigger.put(buf);
                        buf = bigger;
                    }
                    if (ch.read(buf) < 0) {
                        break;
                    }
                }
                buf.flip();
                byte[] out = new byte[buf.remaining()];
                buf.get(out);
                return out;
            }
        }
    }

    /** @return the file's content as {@link #read}, or empty if it (or a directory on the way) does not exist */
    public static Optional<byte[]> readIfExists(Path file, int max) throws IOException {
        try {
            return Optional.of(read(file, max));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Replaces {@code file} atomically with {@code content}: a new file under a fresh random name
     * in the same directory, created exclusively with {@code mode}, synced if asked, renamed over
     * {@code file} (whatever {@code file} was, a link included, is replaced, never written through).
     * The directory must exist.
     */
    public static void write(Path file, byte[] content, Set<PosixFilePermission> mode, boolean sync) throws IOException {
        Path abs = absolute(file);
        try (SecureDirectoryStream<Path> dir = walk(abs.getParent(), null, null)) {
            write(dir, abs.getFileName(), content, mode, sync);
        }
    }

    /**
     * As {@link #write(Path, byte[], Set, boolean)}, first creating the missing directories on the
     * way with {@code dirMode} (see {@link #createDirectories}).
     */
    public static void write(Path file, byte[] content, Set<PosixFilePermission> mode, boolean sync,
            Set<PosixFilePermission> dirMode) throws IOException {
        Path abs = absolute(file);
        try (SecureDirectoryStream<Path> dir = walk(abs.getParent(), dirMode, null)) {
            write(dir, abs.getFileName(), content, mode, sync);
        }
    }

    /**
     * As {@link #write(Path, byte[], Set, boolean)}, in a directory already open (see
     * {@link #openDirectory}): {@code name}, one component, is replaced through a fresh name
     * created exclusively in {@code dir} and renamed over it.
     */
    public static void write(SecureDirectoryStream<Path> dir, Path name, byte[] content, Set<PosixFilePermission> mode,
            boolean sync) throws IOException {
        if (name.getNameCount() != 1 || name.isAbsolute()) {
            throw new IllegalArgumentException("not a file name: " + LogText.path(name));
        }
        Path tmp = Path.of("." + name + "." + HexFormat.of().formatHex(randomBytes(8)) + ".tmp");
        boolean moved = false;
        try {
            Set<OpenOption> options = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW, NOFOLLOW);
            try (SeekableByteChannel ch = dir.newByteChannel(tmp, options, PosixFilePermissions.asFileAttribute(mode))) {
                writeFully(ch, content);
                if (sync && ch instanceof FileChannel fc) {
                    fc.force(true);
                }
            }
            // the mode given at creation is narrowed by the umask; set it exactly (one stat tells
            // whether it has to be: setting it costs an open, a chmod and a close)
            PosixFileAttributeView view = dir.getFileAttributeView(tmp, PosixFileAttributeView.class, NOFOLLOW);
            PosixFileAttributes made = view.readAttributes();
            if (!made.isRegularFile() || !made.permissions().equals(mode)) {
                view.setPermissions(mode);
            }
            dir.move(tmp, dir, name);
            moved = true;
        } finally {
            if (!moved) {
                try {
                    dir.deleteFile(tmp);
                } catch (IOException | RuntimeException e) {
                    // it was not created, or it goes with the failure being reported
                }
            }
        }
    }

    /**
     * Appends {@code content} to a regular file in one write, creating it with {@code modeIfNew}
     * if it does not exist; a link, a non-regular file or a file with other hard links is refused.
     * The directory must exist.
     *
     * @param sync whether to sync the file to disk before returning
     * @return whether the file was created by this call
     */
    public static boolean append(Path file, byte[] content, Set<PosixFilePermission> modeIfNew, boolean sync)
            throws IOException {
        Path abs = absolute(file);
        try (SecureDirectoryStream<Path> dir = walk(abs.getParent(), null, null)) {
            Path name = abs.getFileName();
            Optional<PosixFileAttributes> before = attributes(dir, name);
            if (before.isPresent() && !before.get().isRegularFile()) {
                throw new IOException(LogText.path(abs) + " is not a regular file (" + kind(before.get())
                        + "): not appended to");
            }
            boolean existed = before.isPresent();
            if (existed) {
                requireSingleLink(abs, "not appended to");
            }
            Set<OpenOption> options = Set.of(StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                    StandardOpenOption.CREATE, NOFOLLOW);
            try (SeekableByteChannel ch = dir.newByteChannel(name, options, PosixFilePermissions.asFileAttribute(modeIfNew))) {
                if (!existed) {
                    dir.getFileAttributeView(name, PosixFileAttributeView.class, NOFOLLOW).setPermissions(modeIfNew);
                }
                writeFully(ch, content);
                if (sync && ch instanceof FileChannel fc) {
                    fc.force(true);
                }
            }
            return !existed;
        }
    }

    /**
     * Removes a file (or a link, never what it points to); a directory is not removed.
     *
     * @return whether there was one
     */
    public static boolean delete(Path file) throws IOException {
        Path abs = absolute(file);
        try (SecureDirectoryStream<Path> dir = walk(abs.getParent(), null, null)) {
            Optional<PosixFileAttributes> a = attributes(dir, abs.getFileName());
            if (a.isEmpty()) {
                return false;
            }
            if (a.get().isDirectory()) {
                throw new IOException(LogText.path(abs) + " is a directory: not removed");
            }
            dir.deleteFile(abs.getFileName());
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /**
     * Makes sure {@code dir} exists: every missing directory on the way is created with
     * {@code mode} (exactly, whatever the umask) and must then be a directory of this account.
     */
    public static void createDirectories(Path dir, Set<PosixFilePermission> mode) throws IOException {
        walk(absolute(dir), Objects.requireNonNull(mode, "mode"), null).close();
    }

    /**
     * @return the names of the entries of {@code dir}, or none if it does not exist
     * @throws IOException if it cannot be opened (a link another account owns, not a directory)
     */
    public static List<String> list(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (SecureDirectoryStream<Path> d = openDirectory(dir)) {
            for (Path p : d) {
                names.add(p.getFileName().toString());
            }
        } catch (NoSuchFileException e) {
            return names;
        }
        return names;
    }

    /**
     * Attributes of an entry of an open directory, not following a link.
     *
     * @return its attributes, or empty if there is no such entry
     */
    public static Optional<PosixFileAttributes> attributes(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        try {
            return Optional.of(dir.getFileAttributeView(name, PosixFileAttributeView.class, NOFOLLOW).readAttributes());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Says whether an account other than root and the one l3ha runs as can change what is in
     * {@code dir}: it or a directory above it belongs to another account, is writable by another
     * group, or by every account (above {@code dir}, a world-writable directory with the sticky
     * bit, such as {@code /tmp}, is fine: others cannot rename what is not theirs).
     *
     * @return the first such finding, naming the directory and the account or group; empty if
     *         only root and this account can; a directory that does not exist is checked as far
     *         as it exists
     */
    public static Optional<String> writableByOthers(Path dir) {
        Path abs = absolute(dir);
        List<String> findings = new ArrayList<>();
        try {
            walk(abs, null, findings).close();
        } catch (NoSuchFileException e) {
            // checked as far as it exists
        } catch (IOException | RuntimeException e) {
            findings.add(0, "cannot be checked: " + LogText.escape(String.valueOf(e.getMessage())));
        }
        return findings.isEmpty() ? Optional.empty() : Optional.of(findings.get(findings.size() - 1));
    }

    // ------------------------------------------------------------------ the walk

    /**
     * Opens {@code abs} from {@code /}, component by component, as the class comment says.
     *
     * @param createMode if not null, missing directories are created with it
     * @param findings if not null, receives a line for every directory on the way that another
     *        account can change (see {@link #writableByOthers})
     */
    private static SecureDirectoryStream<Path> walk(Path abs, Set<PosixFilePermission> createMode, List<String> findings)
            throws IOException {
        Path path = abs;
        int links = 0;
        restart:
        while (true) {
            SecureDirectoryStream<Path> cur = rootDirectory();
            Path at = ROOT;
            try {
                int n = path.getNameCount();
                for (int i = 0; i < n; i++) {
                    Path name = path.getName(i);
                    Path here = at.resolve(name);
                    Optional<PosixFileAttributes> found = attributes(cur, name);
                    if (found.isEmpty() && createMode != null) {
                        SecureDirectoryStream<Path> made = createDirectory(cur, at, name, createMode);
                        cur.close();
                        cur = made;
                        at = here;
                        if (findings != null) {
                            inspect(here, made.getFileAttributeView(PosixFileAttributeView.class).readAttributes(), i == n - 1,
                                    findings);
                        }
                        continue;
                    }
                    PosixFileAttributes a = found.orElseThrow(() -> new NoSuchFileException(here.toString()));
                    if (a.isSymbolicLink()) {
                        String owner = a.owner().getName();
                        if (!trustedUser(owner)) {
                            throw new IOException(LogText.path(here) + " is a symbolic link owned by " + LogText.escape(owner)
                                    + ": not followed (only links of " + TRUSTED_USER + (SELF.user().equals(TRUSTED_USER) ? ""
                                    : " or " + SELF.user()) + " are)");
                        }
                        Path target = Files.readSymbolicLink(here);
                        if (!attributes(cur, name).map(b -> Objects.equals(b.fileKey(), a.fileKey())).orElse(false)) {
                            throw new IOException(LogText.path(here) + " changed while its link was read: not followed");
                        }
                        if (++links > MAX_LINKS) {
                            throw new FileSystemLoopException(here.toString());
                        }
                        Path rest = i + 1 < n ? path.subpath(i + 1, n) : Path.of("");
                        path = at.resolve(target).resolve(rest).normalize();
                        cur.close();
                        continue restart;
                    }
                    if (!a.isDirectory()) {
                        throw new NotDirectoryException(here.toString());
                    }
                    if (findings != null) {
                        inspect(here, a, i == n - 1, findings);
                    }
                    SecureDirectoryStream<Path> next = cur.newDirectoryStream(name, NOFOLLOW);
                    cur.close();
                    cur = next;
                    at = here;
                }
                return cur;
            } catch (IOException | RuntimeException e) {
                cur.close();
                throw e;
            }
        }
    }

    /**
     * Creates directory {@code name} in {@code parent} (the open directory at {@code parentPath})
     * and opens it: {@code mkdir} never follows a link in its last component, a directory made
     * meanwhile by someone else is taken like one made here, and the directory is opened without
     * following a link, then checked to belong to this account and given {@code mode} through that
     * open handle, so nothing swapped in after the check can be used instead.
     *
     * @return the new directory, open; the caller closes it
     * @throws NoSuchFileException if {@code parent} no longer holds what {@code mkdir} made (it is
     *         no longer the directory at {@code parentPath})
     * @throws IOException if what is there now is not this account's directory, or it cannot be made
     */
    public static SecureDirectoryStream<Path> createDirectory(SecureDirectoryStream<Path> parent, Path parentPath, Path name,
            Set<PosixFilePermission> mode) throws IOException {
        Path here = parentPath.resolve(name);
        try {
            Files.createDirectory(here);
        } catch (FileAlreadyExistsException e) {
            // made meanwhile: checked below like ours
        }
        PosixFileAttributes found = attributes(parent, name).orElseThrow(() -> new NoSuchFileException(here.toString()));
        if (!found.isDirectory()) {
            throw replaced(here, kind(found) + " of " + found.owner().getName(), null);
        }
        SecureDirectoryStream<Path> made;
        try {
            made = parent.newDirectoryStream(name, NOFOLLOW);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            throw replaced(here, String.valueOf(e.getMessage()), e);
        }
        try {
            PosixFileAttributeView view = made.getFileAttributeView(PosixFileAttributeView.class);
            String owner = view.readAttributes().owner().getName();
            if (!owner.equals(SELF.user())) {
                throw replaced(here, "a directory of " + owner, null);
            }
            view.setPermissions(mode);
            return made;
        } catch (IOException | RuntimeException e) {
            made.close();
            throw e;
        }
    }

    private static IOException replaced(Path here, String what, IOException cause) {
        return new IOException(LogText.path(here) + " was replaced while it was created (" + LogText.escape(what)
                + "): not used", cause);
    }

    private static void inspect(Path dir, PosixFileAttributes a, boolean last, List<String> findings) {
        String owner = a.owner().getName();
        Set<PosixFilePermission> p = a.permissions();
        if (!trustedUser(owner)) {
            findings.add(LogText.path(dir) + " belongs to " + LogText.escape(owner));
        } else if (p.contains(PosixFilePermission.GROUP_WRITE) && !trustedGroup(a.group().getName())) {
            findings.add(LogText.path(dir) + " is writable by group " + LogText.escape(a.group().getName()));
        } else if (p.contains(PosixFilePermission.OTHERS_WRITE) && (last || !sticky(dir))) {
            findings.add(LogText.path(dir) + " is writable by every account");
        }
    }

    private static boolean sticky(Path dir) {
        try {
            Object mode = Files.getAttribute(dir, "unix:mode", NOFOLLOW);
            return mode instanceof Integer m && (m & 01000) != 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean trustedUser(String name) {
        return TRUSTED_USER.equals(name) || SELF.user().equals(name);
    }

    private static boolean trustedGroup(String name) {
        return TRUSTED_GROUP.equals(name) || SELF.group().equals(name);
    }

    @SuppressWarnings("unchecked")
    private static SecureDirectoryStream<Path> rootDirectory() throws IOException {
        DirectoryStream<Path> ds = Files.newDirectoryStream(ROOT);
        if (ds instanceof SecureDirectoryStream) {
            return (SecureDirectoryStream<Path>) ds;
        }
        ds.close();
        throw new IOException("this platform cannot open files relative to a directory (openat): l3ha needs Linux");
    }

    private static void requireRegular(SecureDirectoryStream<Path> dir, Path name, Path abs) throws IOException {
        PosixFileAttributes a = attributes(dir, name).orElseThrow(() -> new NoSuchFileException(abs.toString()));
        if (!a.isRegularFile()) {
            throw new IOException(LogText.path(abs) + " is not a regular file (" + kind(a) + "): not read");
        }
    }

    /**
     * A file with several names may be another file's hard link (where the kernel does not
     * prevent it: {@code fs.protected_hardlinks=0}); reading or appending to it would reach that
     * file too.
     */
    private static void requireSingleLink(Path abs, String refusal) throws IOException {
        Object links = Files.getAttribute(abs, "unix:nlink", NOFOLLOW);
        if (links instanceof Integer l && l > 1) {
            throw new IOException(LogText.path(abs) + " has " + l + " hard links: " + refusal);
        }
    }

    private static String kind(PosixFileAttributes a) {
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (a.isDirectory()) {
            return "a directory";
        }
        if (a.isRegularFile()) {
            return "a regular file";
        }
        return "a special file";
    }

    private static Path absolute(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        if (abs.getFileName() == null) {
            throw new IllegalArgumentException("not a file path: " + LogText.path(p));
        }
        return abs;
    }

    private static void writeFully(SeekableByteChannel ch, byte[] content) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** @return the permissions as {@code 0644}-style octal, for messages */
    public static String octal(Set<PosixFilePermission> mode) {
        int bits = 0;
        for (PosixFilePermission p : mode) {
            bits |= 1 << (8 - p.ordinal());
        }
        return String.format("0%03o", bits);
    }
}
