package org.l3ha.reporter.oslo.impl;

import org.l3ha.oslo.OsloSettings;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The metatype of PID {@value OsloReporter#PID}: the broker options under oslo.messaging's names and
 * defaults, which the oslo reporter and the neutron registry share. Parsed and validated by
 * {@link OsloSettings}; the component receives them through a {@code ManagedService}, never as DS
 * component properties (the URL holds the password).
 */
@ObjectClassDefinition(pid = OsloReporter.PID, name = "l3ha oslo.messaging reporter",
        description = "Reports HA router states to neutron-server (update_ha_routers_states over RabbitMQ)."
                + " Inactive while transport_url is empty. host comes from PID org.l3ha.agent.")
public @interface OsloReporterConfig {
    @AttributeDefinition(name = "transport_url", type = AttributeType.PASSWORD, required = false,
            description = "rabbit://user:pass@host:port/vhost; several user:pass@host:port separated by commas"
                    + " for a cluster; user and password percent-encoded; port 5672 and vhost / by default."
                    + " Empty = reporter inactive.")
    String transport__url() default "";

    @AttributeDefinition(name = "control_exchange",
            description = "Exchange neutron-server consumes from (oslo.messaging control_exchange)")
    String control__exchange() default OsloSettings.DEFAULT_CONTROL_EXCHANGE;

    @AttributeDefinition(name = "topic", description = "RPC topic of the L3 plugin (routing key)")
    String topic() default OsloSettings.DEFAULT_TOPIC;

    @AttributeDefinition(name = "rpc_mode", options = {
        @Option(label = "call: wait for neutron-server's reply (delivery confirmed)", value = "call"),
        @Option(label = "cast: broker confirms and mandatory routing only (what Neutron's agent does)",
                value = "cast")},
            description = "call (default) or cast")
    String rpc__mode() default OsloSettings.DEFAULT_RPC_MODE;

    @AttributeDefinition(name = "rpc_response_timeout", min = "0.001", max = "3600",
            description = "Seconds a call waits for the reply (and a cast for the broker's confirm); also bounds"
                    + " connecting (at most 10 s per host) and every broker operation")
    double rpc__response__timeout() default OsloSettings.DEFAULT_RPC_RESPONSE_TIMEOUT;

    @AttributeDefinition(name = "rabbit_retry_interval", min = "0.001", max = "3600",
            description = "Seconds before the first reconnection attempt after the connection broke")
    double rabbit__retry__interval() default OsloSettings.DEFAULT_RABBIT_RETRY_INTERVAL;

    @AttributeDefinition(name = "rabbit_retry_backoff", min = "0", max = "3600",
            description = "Seconds added to the reconnection delay after each failed attempt")
    double rabbit__retry__backoff() default OsloSettings.DEFAULT_RABBIT_RETRY_BACKOFF;

    @AttributeDefinition(name = "rabbit_interval_max", min = "0.001", max = "3600",
            description = "Longest delay between reconnection attempts, seconds")
    double rabbit__interval__max() default OsloSettings.DEFAULT_RABBIT_INTERVAL_MAX;

    @AttributeDefinition(name = "amqp_durable_queues",
            description = "Declare the exchange durable (must match neutron-server's amqp_durable_queues)")
    boolean amqp__durable__queues() default false;

    @AttributeDefinition(name = "amqp_auto_delete",
            description = "Declare the exchange auto-delete (must match neutron-server's amqp_auto_delete)")
    boolean amqp__auto__delete() default false;

    @AttributeDefinition(name = "ssl", description = "Connect over TLS ([oslo_messaging_rabbit] ssl; deprecated"
            + " name rabbit_use_ssl). The broker's certificate and host name are always verified; never falls back"
            + " to plaintext. The port stays 5672 unless transport_url gives one, as with oslo.messaging.")
    boolean ssl() default false;

    @AttributeDefinition(name = "ssl_ca_file", required = false, description = "PEM file of the CA(s) that"
            + " signed the broker's certificate; empty = the JVM's default trust store (deprecated name"
            + " kombu_ssl_ca_certs)")
    String ssl__ca__file() default "";

    @AttributeDefinition(name = "ssl_cert_file", required = false, description = "PEM file of the client"
            + " certificate (and chain) for mutual TLS; empty = none (deprecated name kombu_ssl_certfile)")
    String ssl__cert__file() default "";

    @AttributeDefinition(name = "ssl_key_file", required = false, description = "PEM file of the client"
            + " certificate's unencrypted private key (PKCS#8, PKCS#1 RSA or SEC1 EC); empty = in ssl_cert_file"
            + " (deprecated name kombu_ssl_keyfile)")
    String ssl__key__file() default "";

    @AttributeDefinition(name = "ssl_version", required = false, options = {
        @Option(label = "TLS 1.2 and 1.3 (the JVM's default protocols)", value = ""),
        @Option(label = "TLS 1.2 only", value = "TLSv1_2"),
        @Option(label = "TLS 1.3 only", value = "TLSv1_3")},
            description = "TLSv1_2, TLSv1_3, or empty for both (deprecated name kombu_ssl_version)")
    String ssl__version() default "";
}
