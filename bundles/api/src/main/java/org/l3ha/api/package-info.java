/**
 * Contracts between the l3ha bundles: the HA state vocabulary, the state-change sink the
 * endpoint feeds, the router registry, transition listeners (the data plane), the batcher
 * and the reporters behind it. Implementations live in their own bundles and export nothing.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.l3ha.api;
