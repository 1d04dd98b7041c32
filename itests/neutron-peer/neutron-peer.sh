#!/usr/bin/env bash
# A real neutron-server (Debian's python3-neutron) as a peer to try l3ha against, on this machine's
# MariaDB and RabbitMQ.
#
#   neutron-peer.sh up DIR [--hosts node-a,node-b] [--port PORT]
#   neutron-peer.sh down DIR
#   neutron-peer.sh status DIR
#   neutron-peer.sh agents DIR ARGS...      neutron-agents.py with this peer's transport URL
#
# up      creates a database, a database user (random password) and a RabbitMQ vhost, all named
#         l3ha_peer_<8 hex>; writes DIR/neutron.conf and DIR/api-paste.ini (no authentication:
#         every request is an admin of project fake_project_id; ML2 with flat and vxlan, the
#         openvswitch mechanism driver, port_security; the router service plugin with l3_ha);
#         migrates the schema; starts neutron-server in the background (DIR/server.pid) and waits
#         until GET /v2.0/networks answers; with --hosts, starts neutron-agents.py heartbeat for
#         those hosts (DIR/agents.pid) and waits until each is registered. Then writes DIR/peer.env
#         (NEUTRON_URL, TRANSPORT_URL, CONTROL_EXCHANGE, the names, the pids, the timings).
#         On failure it prints the end of the server's log and undoes everything (as down).
# down    stops the heartbeats and the server by their pid files (SIGTERM; after a grace period
#         SIGKILL to what is left of them and of the server's child processes, by pid), then drops
#         the database, the user and the vhost. Idempotent, also after a failed up. Keeps the logs.
# status  what runs, whether the API answers, the names; exit 0 if the API answers, else 3.
#
# Environment: PEER_START_TIMEOUT (seconds for the API to answer, default 120),
# PEER_AGENTS_TIMEOUT (seconds for the agents to register, default 120), PEER_STOP_TIMEOUT
# (seconds from SIGTERM to SIGKILL, default 30). Needs root's password-less access to MariaDB on
# 127.0.0.1:3306, rabbitmqctl, curl, and /usr/bin/python3 with python3-neutron.
set -euo pipefail

PYTHON=/usr/bin/python3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
AGENTS=$HERE/neutron-agents.py
START_TIMEOUT=${PEER_START_TIMEOUT:-120}
AGENTS_TIMEOUT=${PEER_AGENTS_TIMEOUT:-120}
STOP_TIMEOUT=${PEER_STOP_TIMEOUT:-30}
NAME_RE='^l3ha_peer_[0-9a-f]{8}$'

usage() { echo "usage:" >&2; sed -n '5,8p' "$0" | sed 's/^#//' >&2; exit 2; }
help() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0; }
die() { echo "neutron-peer: $*" >&2; exit 1; }
log() { echo "neutron-peer: $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

mysql_root() { mysql -h 127.0.0.1 -P 3306 -u root --batch --skip-column-names "$@"; }

# ---- processes, by pid only -------------------------------------------------------------------

# start time of a pid (field 22 of /proc/PID/stat, in clock ticks since boot), or nothing if gone;
# a pid and its start time name one process, even after the pid is reused
starttime() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    # the fields after "comm": state is the first (field 3), starttime the 20th (field 22)
    set -- $stat
    [[ $1 == Z ]] && return 0
    echo "${20}"
}

# the pid's children, grandchildren, ... (through /proc/PID/task/*/children)
descendants() {
    local f c
    for f in /proc/"$1"/task/*/children; do
        [[ -r $f ]] || continue
        for c in $(cat "$f" 2>/dev/null); do
            echo "$c"
            descendants "$c"
        done
    done
}

# "pid:starttime" of the pid and its descendants that are alive
identities() {
    local p s
    for p in "$1" $(descendants "$1"); do
        s=$(starttime "$p")
        [[ -n $s ]] && echo "$p:$s"
    done
    return 0
}

# whether the process "pid:starttime" still lives
lives() { [[ -n ${1%%:*} && "$(starttime "${1%%:*}")" == "${1##*:}" ]]; }

# Stops the processes named by "pid:starttime" identities: SIGTERM to the first, up to
# STOP_TIMEOUT seconds for all of them to end, then SIGKILL to each one left.
stop_identities() {
    local label=$1 first=$2 id left deadline
    shift
    lives "$first" && kill -TERM "${first%%:*}" 2>/dev/null || true
    deadline=$((SECONDS + STOP_TIMEOUT))
    while :; do
        left=()
        for id in "$@"; do lives "$id" && left+=("$id"); done
        ((${#left[@]})) || return 0
        ((SECONDS < deadline)) || break
        sleep 0.5
    done
    echo "neutron-peer: $label still running ${STOP_TIMEOUT} s after SIGTERM, SIGKILL to ${left[*]%%:*}" >&2
    for id in "${left[@]}"; do lives "$id" && kill -KILL "${id%%:*}" 2>/dev/null || true; done
    deadline=$((SECONDS + 10))
    for id in "${left[@]}"; do
        while lives "$id"; do
            ((SECONDS < deadline)) || { echo "neutron-peer: pid ${id%%:*} survived SIGKILL" >&2; return 1; }
            sleep 0.2
        done
    done
}

# Stops the process of DIR/NAME.pid (identity in DIR/NAME.id, and the processes it had in
# DIR/NAME.ids) and whatever descends from it now.
stop_pidfile() {
    local dir=$1 name=$2 pid id ids=()
    [[ -f $dir/$name.pid ]] || return 0
    pid=$(tr -dc '0-9' < "$dir/$name.pid")
    id=$(cat "$dir/$name.id" 2>/dev/null || true)
    if [[ -z $id && -n $pid ]]; then
        # up died between starting the process and recording its identity: only if it is ours
        if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/"; then id="$pid:$(starttime "$pid")"; fi
    fi
    if [[ -n $id ]]; then
        ids=("$id")
        if lives "$id"; then mapfile -t -O 1 ids < <(identities "${id%%:*}" | tail -n +2); fi
        if [[ -f $dir/$name.ids ]]; then mapfile -t -O "${#ids[@]}" ids < "$dir/$name.ids"; fi
        stop_identities "$name" "${ids[@]}"
    fi
    rm -f "$dir/$name.pid" "$dir/$name.id" "$dir/$name.ids"
}

# ---- up ---------------------------------------------------------------------------------------

write_conf() {
    local dir=$1 port=$2 name=$3 password=$4
    mkdir -p "$dir/state" "$dir/lock"
    cat > "$dir/neutron.conf" <<EOF
# written by neutron-peer.sh: a test peer, no authentication, dropped by "neutron-peer.sh down"
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
auth_strategy = noauth
api_paste_config = $dir/api-paste.ini
state_path = $dir/state
log_file = $dir/neutron-server.log
debug = False
core_plugin = ml2
service_plugins = router
transport_url = rabbit://guest:guest@127.0.0.1:5672/$name
control_exchange = neutron
api_workers = 0
rpc_workers = 1
rpc_state_report_workers = 0
l3_ha = True
max_l3_agents_per_router = 2
agent_down_time = 75
graceful_shutdown_timeout = 5
dhcp_agent_notification = False
notify_nova_on_port_status_changes = False
notify_nova_on_port_data_changes = False

[database]
connection = mysql+pymysql://$name:$password@127.0.0.1:3306/$name?charset=utf8mb4

[oslo_concurrency]
lock_path = $dir/lock

[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers = openvswitch
extension_drivers = port_security

[ml2_type_flat]
flat_networks = public

[ml2_type_vxlan]
vni_ranges = 1:1000
EOF
    chmod 600 "$dir/neutron.conf"
    # The API without authentication: the filter fake_project_id turns an anonymous request into an
    # admin request of project "fake_project_id"; no policy file is needed.
    cat > "$dir/api-paste.ini" <<'EOF'
[composite:neutron]
use = egg:Paste#urlmap
/: versions
/v2.0: api

[pipeline:versions]
pipeline = versions_app

[pipeline:api]
pipeline = request_id fake_project_id catch_errors extensions api_app

[filter:request_id]
paste.filter_factory = oslo_middleware:RequestId.factory

[filter:fake_project_id]
paste.filter_factory = neutron.auth:NoauthFakeProjectId.factory

[filter:catch_errors]
paste.filter_factory = oslo_middleware:CatchErrors.factory

[filter:extensions]
paste.filter_factory = neutron.api.extensions:plugin_aware_extension_middleware_factory

[app:versions_app]
paste.app_factory = neutron.pecan_wsgi.app:versions_factory

[app:api_app]
paste.app_factory = neutron.api.v2.router:APIRouter.factory
EOF
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$1" 2>/dev/null || true; }

tail_log() {
    local dir=$1 f
    for f in "$dir/neutron-server.log" "$dir/server.out" "$dir/db-manage.log" "$dir/agents.log"; do
        [[ -s $f ]] || continue
        echo "---- last lines of $f" >&2
        tail -n 40 "$f" >&2
    done
}

cmd_up() {
    local dir="" hosts="" port=""
    while (($#)); do
        case $1 in
            --hosts) hosts=${2:?--hosts needs a value}; shift 2 ;;
            --port) port=${2:?--port needs a value}; shift 2 ;;
            -*) usage ;;
            *) [[ -z $dir ]] || usage; dir=$1; shift ;;
        esac
    done
    [[ -n $dir ]] || usage
    [[ -z $hosts || $hosts =~ ^[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*$ ]] || die "--hosts: host names separated by commas, not '$hosts'"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [[ ! -e $dir/peer.resources ]] || die "$dir holds a peer already ($(cat "$dir/peer.resources")); run: $0 down $dir"
    [[ -x $PYTHON ]] && "$PYTHON" -c 'import neutron' 2>/dev/null || die "$PYTHON cannot import neutron (install python3-neutron)"

    local name password t0 t total_start
    total_start=$(now)
    name=l3ha_peer_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    [[ -n $port ]] || port=$(free_port)
    rm -f "$dir/peer.env"
    # recorded before anything is created, so that down finds it whatever happens next
    echo "PEER_NAME=$name" > "$dir/peer.resources"
    trap 'rc=$?; if ((rc)); then echo "neutron-peer: up failed" >&2; tail_log "$dir"; cmd_down "$dir" >&2 || true; fi' EXIT

    t=$(now)
    mysql_root -e "CREATE DATABASE \`$name\` CHARACTER SET utf8mb4;
        CREATE USER '$name'@'127.0.0.1' IDENTIFIED BY '$password';
        GRANT ALL PRIVILEGES ON \`$name\`.* TO '$name'@'127.0.0.1';"
    rabbitmqctl -q add_vhost "$name" >/dev/null
    rabbitmqctl -q set_permissions -p "$name" guest '.*' '.*' '.*' >/dev/null
    local resources_s; resources_s=$(since "$t")
    log "created database, user and vhost $name (${resources_s} s)"

    write_conf "$dir" "$port" "$name" "$password"

    t=$(now)
    if ! timeout 600 "$PYTHON" -c 'import sys; from neutron.db.migration.cli import main; sys.exit(main())' \
            --config-file "$dir/neutron.conf" upgrade heads > "$dir/db-manage.log" 2>&1; then
        die "the schema migration failed (log: $dir/db-manage.log)"
    fi
    local schema_s; schema_s=$(since "$t")
    log "schema migrated (${schema_s} s)"

    t=$(now)
    # its own session: an operator's terminal (or the JVM that ran up) going away does not stop it
    setsid "$PYTHON" -c 'import sys; sys.argv[0] = "neutron-server"; from neutron.cmd.eventlet.server import main; sys.exit(main())' \
        --config-file "$dir/neutron.conf" > "$dir/server.out" 2>&1 < /dev/null &
    local pid=$!
    disown "$pid"
    echo "$pid" > "$dir/server.pid"
    echo "$pid:$(starttime "$pid")" > "$dir/server.id"
    local url=http://127.0.0.1:$port deadline=$((SECONDS + START_TIMEOUT))
    until [[ $(http_code "$url/v2.0/networks") == 200 ]]; do
        lives "$(cat "$dir/server.id")" || die "neutron-server (pid $pid) exited before its API answered"
        ((SECONDS < deadline)) || die "GET $url/v2.0/networks did not answer 200 within $START_TIMEOUT s"
        sleep 1
    done
    local start_s; start_s=$(since "$t")
    log "neutron-server pid $pid answers on $url (${start_s} s)"

    local agents_pid="" agents_s=""
    if [[ -n $hosts ]]; then
        t=$(now)
        setsid "$PYTHON" "$AGENTS" --url "rabbit://guest:guest@127.0.0.1:5672/$name" --exchange neutron \
            heartbeat --hosts "$hosts" > "$dir/agents.log" 2>&1 < /dev/null &
        agents_pid=$!
        disown "$agents_pid"
        echo "$agents_pid" > "$dir/agents.pid"
        echo "$agents_pid:$(starttime "$agents_pid")" > "$dir/agents.id"
        local h deadline=$((SECONDS + AGENTS_TIMEOUT))
        for h in ${hosts//,/ }; do
            until grep -q "^registered $h " "$dir/agents.log"; do
                lives "$(cat "$dir/agents.id")" || die "neutron-agents.py heartbeat (pid $agents_pid) exited"
                ((SECONDS < deadline)) || die "host $h not registered within $AGENTS_TIMEOUT s"
                sleep 0.5
            done
        done
        agents_s=$(since "$t")
        log "agents of $hosts registered (${agents_s} s)"
    fi

    # the server's processes now (its workers), for down to stop even if the parent is gone
    identities "$pid" > "$dir/server.ids"
    local server_pids; server_pids=$(cut -d: -f1 "$dir/server.ids" | paste -sd' ')
    cat > "$dir/peer.env.tmp" <<EOF
NEUTRON_URL=$url
TRANSPORT_URL=rabbit://guest:guest@127.0.0.1:5672/$name
CONTROL_EXCHANGE=neutron
DB_NAME=$name
DB_USER=$name
DB_PASSWORD=$password
DB_CONNECTION=mysql+pymysql://$name:$password@127.0.0.1:3306/$name?charset=utf8mb4
VHOST=$name
AGENT_HOSTS=$hosts
SERVER_PID=$pid
SERVER_PIDS="$server_pids"
AGENTS_PID=$agents_pid
NEUTRON_CONF=$dir/neutron.conf
SERVER_LOG=$dir/neutron-server.log
AGENTS_LOG=$dir/agents.log
RESOURCES_SECONDS=$resources_s
SCHEMA_SECONDS=$schema_s
START_SECONDS=$start_s
AGENTS_SECONDS=$agents_s
EOF
    chmod 600 "$dir/peer.env.tmp"
    mv "$dir/peer.env.tmp" "$dir/peer.env"
    trap - EXIT
    log "up in $(since "$total_start") s; see $dir/peer.env"
}

# ---- down -------------------------------------------------------------------------------------

cmd_down() {
    (($# == 1)) || usage
    local dir=$1 name="" rc=0
    [[ -d $dir ]] || { log "$dir: nothing there"; return 0; }
    dir=$(cd "$dir" && pwd)
    local t; t=$(now)
    stop_pidfile "$dir" agents || rc=1
    stop_pidfile "$dir" server || rc=1
    log "processes stopped ($(since "$t") s)"
    t=$(now)
    if [[ -f $dir/peer.resources ]]; then
        name=$(sed -n 's/^PEER_NAME=//p' "$dir/peer.resources")
        # never drop anything this script did not name
        [[ $name =~ $NAME_RE ]] || die "$dir/peer.resources names '$name', not a peer's name; dropping nothing"
        if ! mysql_root -e "DROP DATABASE IF EXISTS \`$name\`; DROP USER IF EXISTS '$name'@'127.0.0.1';"; then
            echo "neutron-peer: could not drop database or user $name" >&2; rc=1
        fi
        if rabbitmqctl -q list_vhosts name 2>/dev/null | grep -qx "$name"; then
            rabbitmqctl -q delete_vhost "$name" >/dev/null || { echo "neutron-peer: could not delete vhost $name" >&2; rc=1; }
        fi
        ((rc)) || rm -f "$dir/peer.resources"
    fi
    rm -f "$dir/peer.env" "$dir/peer.env.tmp"
    ((rc)) || log "down: ${name:-nothing} dropped ($(since "$t") s)"
    return $rc
}

# ---- status -----------------------------------------------------------------------------------

cmd_status() {
    (($# == 1)) || usage
    local dir=$1 f id
    [[ -d $dir ]] || { echo "$dir: no such directory"; return 3; }
    dir=$(cd "$dir" && pwd)
    if [[ -f $dir/peer.resources ]]; then cat "$dir/peer.resources"; else echo "no peer resources in $dir"; fi
    for f in server agents; do
        id=$(cat "$dir/$f.id" 2>/dev/null || true)
        if [[ -n $id ]] && lives "$id"; then echo "$f: running, pid ${id%%:*}"; else echo "$f: not running"; fi
    done
    [[ -f $dir/peer.env ]] || { echo "api: no peer.env"; return 3; }
    local url; url=$(sed -n 's/^NEUTRON_URL=//p' "$dir/peer.env")
    if [[ $(http_code "$url/v2.0/networks") == 200 ]]; then echo "api: $url answers"; else echo "api: $url does not answer"; return 3; fi
}

cmd_agents() {
    (($# >= 1)) || usage
    local dir=$1; shift
    [[ -f $dir/peer.env ]] || die "no $dir/peer.env (is the peer up?)"
    exec "$PYTHON" "$AGENTS" --env "$dir/peer.env" "$@"
}

(($#)) || usage
command=$1; shift
case $command in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    agents) cmd_agents "$@" ;;
    -h|--help|help) help ;;
    *) usage ;;
esac
