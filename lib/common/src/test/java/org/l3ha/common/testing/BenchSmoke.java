package org.l3ha.common.testing;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Runs every {@link Benchmark} method of a JMH benchmark class once, with its {@link Setup} and
 * {@link TearDown} methods around it, without JMH's generated harness (the annotation processor
 * runs only in profile {@code bench}): the default build's check that a bundle's benchmarks still
 * work. Nothing is timed. Supports what l3ha's benchmarks use: one {@code @State} class that is
 * the benchmark itself, {@link Param} fields (their first value), benchmark methods without
 * parameters.
 */
public final class BenchSmoke {
    private BenchSmoke() {
    }

    /**
     * @param benchmark a class with a public no-argument constructor and {@link Benchmark} methods
     * @return the names of the benchmark methods run, sorted
     * @throws Exception what a setup, benchmark or teardown method threw
     */
    public static List<String> runOnce(Class<?> benchmark) throws Exception {
        List<Method> benchmarks = annotated(benchmark, Benchmark.class);
        if (benchmarks.isEmpty()) {
            throw new IllegalArgumentException(benchmark + " has no @Benchmark method");
        }
        List<String> ran = new ArrayList<>();
        for (Method m : benchmarks) {
            if (m.getParameterCount() != 0) {
                throw new IllegalArgumentException("not supported here: benchmark parameters of " + m);
            }
            Object state = benchmark.getConstructor().newInstance();
            setParams(state);
            for (Level level : Level.values()) { // Trial, Iteration, Invocation
                invoke(state, setups(benchmark, level));
            }
            try {
                invoke(state, List.of(m));
            } finally {
                for (int i = Level.values().length - 1; i >= 0; i--) {
                    invoke(state, tearDowns(benchmark, Level.values()[i]));
                }
            }
            ran.add(m.getName());
        }
        return ran;
    }

    private static void setParams(Object state) throws ReflectiveOperationException {
        for (Field f : state.getClass().getFields()) {
            Param p = f.getAnnotation(Param.class);
            if (p == null) {
                continue;
            }
            if (p.value().length == 0) {
                throw new IllegalArgumentException("@Param without a value: " + f);
            }
            String v = p.value()[0];
            Class<?> t = f.getType();
            f.set(state, t == int.class ? Integer.valueOf(v) : t == long.class ? Long.valueOf(v)
                    : t == boolean.class ? Boolean.valueOf(v) : t == String.class ? v : unsupported(f));
        }
    }

    private static Object unsupported(Field f) {
        throw new IllegalArgumentException("not supported here: @Param of type " + f.getType() + ": " + f);
    }

    private static List<Method> setups(Class<?> c, Level level) {
        return annotated(c, Setup.class).stream().filter(m -> m.getAnnotation(Setup.class).value() == level).toList();
    }

    private static List<Method> tearDowns(Class<?> c, Level level) {
        return annotated(c, TearDown.class).stream().filter(m -> m.getAnnotation(TearDown.class).value() == level).toList();
    }

    private static List<Method> annotated(Class<?> c, Class<? extends java.lang.annotation.Annotation> a) {
        List<Method> out = new ArrayList<>();
        for (Method m : c.getMethods()) {
            if (m.isAnnotationPresent(a)) {
                out.add(m);
            }
        }
        out.sort(Comparator.comparing(Method::getName));
        return out;
    }

    private static void invoke(Object target, List<Method> methods) throws Exception {
        for (Method m : methods) {
            try {
                m.invoke(target);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof Exception ex) {
                    throw ex;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw e;
            }
        }
    }
}
