package org.l3ha.itests;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.karaf.shell.api.console.Command;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;

/** Karaf shell commands run in the container, as a console session would, with their output. */
final class Shell {
    private Shell() {
    }

    /** @return what {@code command} printed (stdout and stderr) */
    static String execute(SessionFactory factory, String command) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Session session = factory.create(new ByteArrayInputStream(new byte[0]), out, out);
        try {
            session.execute(command);
        } finally {
            session.close();
        }
        out.flush();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * Completes the last word of {@code line} (Tab at its end) with the command's own completer.
     *
     * @return the candidates, trimmed
     */
    static List<String> complete(SessionFactory factory, String scope, String name, String line) {
        Command command = factory.getRegistry().getCommand(scope, name);
        if (command == null) {
            throw new AssertionError("no command " + scope + ":" + name);
        }
        Completer completer = command.getCompleter(true);
        String[] args = line.split(" ", -1);
        CommandLine cl = new CommandLine() {
            @Override
            public int getCursorArgumentIndex() {
                return args.length - 1;
            }

            @Override
            public String getCursorArgument() {
                return args[args.length - 1];
            }

            @Override
            public int getArgumentPosition() {
                return args[args.length - 1].length();
            }

            @Override
            public String[] getArguments() {
                return Arrays.copyOf(args, args.length);
            }

            @Override
            public int getBufferPosition() {
                return line.length();
            }

            @Override
            public String getBuffer() {
                return line;
            }
        };
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(sink, true, StandardCharsets.UTF_8);
        Session session = factory.create(new ByteArrayInputStream(new byte[0]), out, out);
        try {
            List<String> candidates = new ArrayList<>();
            completer.complete(session, cl, candidates);
            List<String> trimmed = new ArrayList<>();
            candidates.forEach(c -> trimmed.add(c.trim()));
            return trimmed;
        } finally {
            session.close();
        }
    }

    /** @return counter {@code name} in section {@code section} of {@code l3ha:stats} output, or -1 */
    static long counter(String statsOutput, String section, String name) {
        boolean in = false;
        for (String line : statsOutput.split("\\R")) {
            if (!line.startsWith(" ")) {
                in = line.equals(section + ":");
                continue;
            }
            String t = line.trim();
            if (in && t.startsWith(name + " = ")) {
                return Long.parseLong(t.substring(name.length() + 3).trim());
            }
        }
        return -1;
    }
}
