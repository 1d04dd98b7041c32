#!/usr/bin/env bash
# Runs the test suite while CPU hogs keep every core busy, as on a developer's machine or a network
# node that is never idle.
#
#   itests/under-load.sh [-n RUNS] [-j HOGS] [-- COMMAND...]
#
#   -n RUNS   consecutive runs (default 1); stops at the first failure
#   -j HOGS   CPU hogs beside the suite (default: the number of cores)
#   COMMAND   what to run (default: mvn -B verify), from the repository root
#
# The hogs are `sha256sum /dev/zero` processes this script starts and stops by their pids (never by
# name), also when the run fails or is interrupted. Each run's output goes to
# .under-load/run-N.log; its wall time and result are printed and kept in
# .under-load/summary.txt. Exit status: that of the first failed run, else 0.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=1
hogs=$(nproc)
while (($#)); do
    case $1 in
        -n) runs=$2; shift 2 ;;
        -j) hogs=$2; shift 2 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
cmd=("$@")
((${#cmd[@]})) || cmd=(mvn -B verify)

out=.under-load
mkdir -p "$out"
summary=$out/summary.txt
: > "$summary"

pids=()
stop_hogs() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    pids=()
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 "$hogs"); do
    sha256sum /dev/zero > /dev/null &
    pids+=($!)
done
echo "under-load: $hogs CPU hog(s) (pids ${pids[*]}) beside: ${cmd[*]}" | tee -a "$summary"

status=0
for i in $(seq 1 "$runs"); do
    log=$out/run-$i.log
    start=$(date +%s)
    set +e
    "${cmd[@]}" > "$log" 2>&1
    rc=$?
    set -e
    secs=$(( $(date +%s) - start ))
    line="run $i/$runs: exit $rc after ${secs} s ($((secs / 60)) min $((secs % 60)) s), log $log"
    echo "under-load: $line" | tee -a "$summary"
    if ((rc != 0)); then
        grep -aE '<<< (FAILURE|ERROR)!|Tests run:.*(Failures: [1-9]|Errors: [1-9])' "$log" | head -20 || true
        status=$rc
        break
    fi
done
exit $status
