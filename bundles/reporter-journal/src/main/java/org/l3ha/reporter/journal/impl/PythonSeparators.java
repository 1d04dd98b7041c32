package org.l3ha.reporter.journal.impl;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.PrettyPrinter;

/**
 * Jackson layout matching Python's {@code json.dumps} defaults on one line: {@code ": "} between
 * key and value, {@code ", "} between entries, nothing else.
 */
final class PythonSeparators implements PrettyPrinter {

    @Override
    public void writeRootValueSeparator(JsonGenerator g) throws IOException {
        // one value per generator: nothing to separate
    }

    @Override
    public void writeStartObject(JsonGenerator g) throws IOException {
        g.writeRaw('{');
    }

    @Override
    public void writeEndObject(JsonGenerator g, int nrOfEntries) throws IOException {
        g.writeRaw('}');
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
        g.writeRaw(", ");
    }

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
        g.writeRaw(": ");
    }

    @Override
    public void writeStartArray(JsonGenerator g) throws IOException {
        g.writeRaw('[');
    }

    @Override
    public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
        g.writeRaw(']');
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
        g.writeRaw(", ");
    }

    @Override
    public void beforeArrayValues(JsonGenerator g) throws IOException {
        // nothing
    }

    @Override
    public void beforeObjectEntries(JsonGenerator g) throws IOException {
        // nothing
    }
}
