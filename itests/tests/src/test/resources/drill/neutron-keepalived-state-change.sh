#!/bin/sh
# The keepalived state-change monitor of the l3ha failover drills. It does what Neutron's current
# shell monitor (neutron-keepalived-state-change, 2026) does (docs/behaviour.md §1.4):
#  - started outside the router namespace, it enters it with "ip netns exec";
#  - initial state: primary if the monitored CIDR is on the monitored interface, otherwise backup;
#  - it reads "ip -o monitor address" of the namespace: the CIDR added on the interface means
#    primary, a "Deleted" line for it means backup;
#  - for every state it writes <conf_dir>/state itself (the bare word, no newline) and then POSTs
#    it to the agent with exactly Neutron's curl command line;
#  - "set -e": a failed curl (the agent is down) ends the reading loop and with it the monitor
#    (ip monitor dies on SIGPIPE at its next line).
# One difference: the initial state is POSTed at once. Neutron's script sends it only when the
# first address event of the namespace arrives; the drills want every router's starting state
# reported, as the older Python monitor did.
# It logs "wrote <state>" and, after a successful POST, "posted <state>" (the drills read them).
#
# usage: neutron-keepalived-state-change.sh ROUTER_ID NAMESPACE CONF_DIR INTERFACE CIDR STATE_PATH PID_FILE
set -e
router_id=$1
namespace=$2
conf_dir=$3
interface=$4
cidr=$5
state_path=$6
pid_file=$7
echo $$ > "$pid_file"

report() {
    printf '%s' "$1" > "$conf_dir/state"
    echo "$(date +%Y-%m-%dT%H:%M:%S.%N) wrote $1"
    curl --connect-timeout 5 -X POST -H "X-Neutron-Router-Id: $router_id" -H "X-Neutron-State: $1" -H "Connection: close" --unix-socket "$state_path/keepalived-state-change" http://127.0.0.1/
    echo
    echo "$(date +%Y-%m-%dT%H:%M:%S.%N) posted $1"
}

if ip netns exec "$namespace" ip -o addr show dev "$interface" | grep -q " inet $cidr "; then
    report primary
else
    report backup
fi

ip netns exec "$namespace" ip -o monitor address | while IFS= read -r line; do
    case "$line" in
        "Deleted "*": $interface "*" inet $cidr "*) report backup ;;
        *": $interface "*" inet $cidr "*) report primary ;;
    esac
done
