package org.l3ha.bench;

/** Router ids of the benchmarks (LoadGen's), for the benchmark classes in the bundles' packages. */
public final class RouterIdsForBench {
    private RouterIdsForBench() {
    }

    public static String id(int n) {
        return RouterDocs.id(n);
    }
}
