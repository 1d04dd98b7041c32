#!/bin/sh
# The full l3ha benchmark (issues 8 and 16): builds everything, then one Maven run with -Pbench: the JMH
# micro-benchmarks in the bundles they measure (each writes bundles/<bundle>/target/jmh-result.json),
# then itests/bench, which waits for an idle machine, runs every black-box harness (the floor, l3ha and
# Neutron alternating) and writes itests/bench/results/RESULTS.md (with the JMH table from those files)
# and the PNG charts. Needs
# JDK 17, Maven, /usr/bin/python3 with python3-neutron, and ../shared/bench/ beside the repository.
# Extra arguments go to the second Maven call (e.g. -Dbench.waitIdle=false, -Dbench.only=load,
# -Dbench.warmStorms=5; see README.md).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ ! -f ../shared/bench/LoadGen.java ] || [ ! -f ../shared/bench/Floor.java ] || [ ! -f ../shared/bench/neutron_peer_server.py ]; then
    echo "run-bench.sh: Neutron's measurement tools are missing: expected $(cd .. && pwd)/shared/bench/" >&2
    exit 1
fi
mvn -B -q install -DskipTests
exec mvn -B -Pbench -pl bundles/endpoint,bundles/engine,bundles/notifier,bundles/reporter-journal,itests/bench verify "$@"
