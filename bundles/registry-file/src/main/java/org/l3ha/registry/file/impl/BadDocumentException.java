package org.l3ha.registry.file.impl;

/** A router document that cannot be used; the message is one line naming the field and the reason. */
final class BadDocumentException extends Exception {
    private static final long serialVersionUID = 1L;

    BadDocumentException(String message) {
        super(message);
    }
}
