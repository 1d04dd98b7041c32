package org.l3ha.common;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The options of PID {@value AgentSettings#PID}, declared once: the metatype (one bundle, the
 * engine, designates it for the PID) and the component property type every component that reads
 * the PID is activated with. Each member is read as text and validated by
 * {@link AgentSettings#of(AgentConfig)}, so that a bad value is rejected with a message naming the
 * key and the value rather than coerced to a default; the metatype still advertises each option's
 * type. An empty value means the default.
 */
@ObjectClassDefinition(pid = AgentSettings.PID, name = "l3ha agent",
        description = "Options shared with Neutron's l3_agent.ini (same names and defaults), plus l3ha's own")
public @interface AgentConfig {
    @AttributeDefinition(description = "Base directory of the state-change socket, pid files, ha_confs, ra and proxy"
            + " configs; the socket path must fit in 107 bytes")
    String state__path() default AgentSettings.DEFAULT_STATE_PATH;

    @AttributeDefinition(description = "Per-router HA directories holding the state files ($state_path is substituted)")
    String ha__confs__path() default AgentSettings.DEFAULT_HA_CONFS_PATH;

    @AttributeDefinition(type = AttributeType.INTEGER, min = "0", max = "255",
            description = "VRRP advert interval, seconds: the primary debounce delay and the default batch interval"
                    + " (0 = no debounce)")
    String ha__vrrp__advert__int() default "" + AgentSettings.DEFAULT_HA_VRRP_ADVERT_INT;

    @AttributeDefinition(required = false, description = "Shortest time between two reports, seconds (decimals"
            + " allowed); empty = ha_vrrp_advert_int, 0.05 when that is 0")
    String batch__interval() default "";

    @AttributeDefinition(required = false, description = "Name this agent reports as; empty = this machine's host name")
    String host() default "";

    @AttributeDefinition(description = "Octal permissions of the state-change socket")
    String socket__mode() default AgentSettings.DEFAULT_SOCKET_MODE;

    @AttributeDefinition(type = AttributeType.BOOLEAN, description = "Run the haproxy metadata proxy on the primary")
    String enable__metadata__proxy() default "" + AgentSettings.DEFAULT_ENABLE_METADATA_PROXY;

    @AttributeDefinition(type = AttributeType.INTEGER, min = "1", max = "65535",
            description = "Port the metadata proxy binds in the router namespace")
    String metadata__port() default "" + AgentSettings.DEFAULT_METADATA_PORT;

    @AttributeDefinition(description = "Unix socket of the metadata agent that haproxy forwards to")
    String metadata__proxy__socket() default AgentSettings.DEFAULT_METADATA_PROXY_SOCKET;

    @AttributeDefinition(description = "Directory of radvd configurations")
    String ra__confs() default AgentSettings.DEFAULT_RA_CONFS;

    @AttributeDefinition(description = "Directory of daemon pid files")
    String external__pids() default AgentSettings.DEFAULT_EXTERNAL_PIDS;

    @AttributeDefinition(required = false, description = "User radvd runs as; empty = the daemons' account (l3ha's"
            + " user, or when that is root the owner of state_path, nobody if root owns it too), root = no -u")
    String radvd__user() default "";

    @AttributeDefinition(required = false, description = "User (name or uid) the haproxy metadata proxy runs as;"
            + " empty = the daemons' account")
    String metadata__proxy__user() default "";

    @AttributeDefinition(required = false, description = "Group (name or gid) the haproxy metadata proxy runs as;"
            + " empty = the daemons' account's group")
    String metadata__proxy__group() default "";

    @AttributeDefinition(type = AttributeType.INTEGER, min = "3", max = "1800",
            description = "radvd MinRtrAdvInterval, seconds")
    String min__rtr__adv__interval() default "" + AgentSettings.DEFAULT_MIN_RTR_ADV_INTERVAL;

    @AttributeDefinition(type = AttributeType.INTEGER, min = "4", max = "1800",
            description = "radvd MaxRtrAdvInterval, seconds")
    String max__rtr__adv__interval() default "" + AgentSettings.DEFAULT_MAX_RTR_ADV_INTERVAL;

    @AttributeDefinition(required = false, description = "IPv6 link-local address of the upstream router; if set,"
            + " the gateway port of a primary router does not accept router advertisements")
    String ipv6__gateway() default "";

    @AttributeDefinition(type = AttributeType.INTEGER, min = "0", max = "86400",
            description = "Seconds between checks of spawned daemons (0 = off)")
    String check__child__processes__interval() default "" + AgentSettings.DEFAULT_CHECK_CHILD_PROCESSES_INTERVAL;

    @AttributeDefinition(description = "What to do when a daemon died: respawn it, or exit the agent",
            options = {@org.osgi.service.metatype.annotations.Option(value = "respawn"),
                @org.osgi.service.metatype.annotations.Option(value = "exit")})
    String check__child__processes__action() default AgentSettings.DEFAULT_CHECK_CHILD_PROCESSES_ACTION;

    @AttributeDefinition(required = false, description = "Command prefix for privileged commands, split on"
            + " whitespace; empty = run them directly (l3ha runs as root)")
    String root__helper() default "";
}
