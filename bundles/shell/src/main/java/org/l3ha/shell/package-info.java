/**
 * Karaf shell commands {@code l3ha:*}. Karaf's command extension scans this package for
 * {@code @Service} classes (header written by bnd from the annotation below).
 */
@org.osgi.annotation.bundle.Header(name = "Karaf-Commands", value = "org.l3ha.shell")
package org.l3ha.shell;
