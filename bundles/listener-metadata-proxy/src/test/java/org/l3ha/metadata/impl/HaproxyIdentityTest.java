package org.l3ha.metadata.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.l3ha.common.DaemonAccount;
import org.l3ha.common.testing.AgentConfigs;

/** haproxy's account from metadata_proxy_user and metadata_proxy_group, and how log lines name it. */
class HaproxyIdentityTest {

    static MetadataSettings settings(String user, String group) {
        return MetadataSettings.of(AgentConfigs.of(Map.of("state_path", "/srv/l3", "metadata_proxy_user", user,
                "metadata_proxy_group", group)));
    }

    @Test
    void theConfiguredNamesAndTheStatePathAreWhatIsResolved() {
        HaproxyIdentity id = HaproxyIdentity.of(settings("998", "neutron"), (u, g, statePath) -> {
            assertEquals(Path.of("/srv/l3"), statePath);
            return new DaemonAccount(u + "u", g + "g");
        });
        assertEquals(new DaemonAccount("998u", "neutrong"), id.account());
        assertNull(id.problem());
        assertEquals(", haproxy runs as 998u:neutrong", id.label());
    }

    @Test
    void rootIsAnAccountToo() {
        HaproxyIdentity id = HaproxyIdentity.of(settings("root", ""), (u, g, sp) -> new DaemonAccount("root", "root"));
        assertEquals(new HaproxyIdentity(new DaemonAccount("root", "root"), null), id);
    }

    @Test
    void anAccountThatCannotBeResolvedIsTheProblemNamed() {
        HaproxyIdentity id = HaproxyIdentity.of(settings("4711", ""), (u, g, sp) -> {
            throw new IOException("no user '4711' in /etc/passwd");
        });
        assertNull(id.account());
        assertEquals("cannot tell the user and group haproxy should run as: no user '4711' in /etc/passwd", id.problem());
        assertEquals("", id.label(), "nothing to name");
    }

    @Test
    void aRuntimeFailureIsAProblemToo() {
        HaproxyIdentity id = HaproxyIdentity.of(settings("", ""), (u, g, sp) -> {
            throw new IllegalStateException("broken database");
        });
        assertEquals("cannot tell the user and group haproxy should run as: broken database", id.problem());
    }
}
