#!/usr/bin/python3
"""What a network node's agents say to neutron-server, on the real oslo.messaging.

neutron-server schedules routers only to L3 agents that report themselves, and binds ports only
on hosts where a mechanism driver's agent (here: Open vSwitch) reports itself. This program plays
those agents for test hosts, and makes the one-shot RPC calls an L3 agent makes.

usage: neutron-agents.py [--url URL | --env PEER_ENV] [--exchange EXCHANGE] COMMAND ...

  heartbeat --hosts node-a,node-b [--interval 10]
      For each host, report_state (topic q-reports-plugin) for an "L3 agent" and an "Open vSwitch
      agent" every INTERVAL seconds (start_flag on the first report). Prints
      "registered HOST ..." once per host when neutron-server has answered both; runs until
      SIGTERM or SIGINT.
  rpc-call --topic T --method M [--args JSON] [--version V] [--server S] [--timeout SECONDS]
      An RPC call; prints its result as JSON on stdout (exit 0). A remote exception is printed on
      stderr as "remote error: CLASS: MESSAGE" (exit 3), a timeout as "timeout: ..." (exit 4).
  rpc-cast --topic T --method M [--args JSON] [--version V] [--server S]
      An RPC cast (nothing comes back); prints "cast".
  ports-up HOST [--timeout SECONDS]
      Asks sync_routers (topic q-l3-plugin) for HOST's routers and, for each of their ports bound
      to HOST that is not ACTIVE (the HA ports of a fresh router, for instance), calls
      update_device_up (topic q-plugin) as HOST's L2 agent would once the port is wired. Prints
      one JSON list of the port ids it reported.
  capture --out FILE [--bind EXCHANGE:ROUTING_KEY]... [--fanout EXCHANGE]...
      Declares a queue of its own (exclusive: gone with the connection), binds it to each topic
      exchange with its routing key and to each fanout exchange, and appends every message body as
      it arrives (the raw oslo.messaging envelope) to FILE, one JSON line
      {"exchange", "routing_key", "body"} each. Prints "capturing" once bound; runs until SIGTERM.

The transport URL comes from --url, else --env FILE (a peer.env of neutron-peer.sh), else the
environment variable TRANSPORT_URL; the exchange from --exchange, else CONTROL_EXCHANGE, else
"neutron" (neutron-server's control_exchange).
"""
import argparse
import datetime
import json
import logging
import os
import signal
import sys
import threading
import urllib.parse
import uuid

from oslo_config import cfg
import oslo_messaging

EXIT_REMOTE_ERROR = 3
EXIT_TIMEOUT = 4

# RPC API versions as neutron-server's endpoints declare them (the agent-side clients ask for these)
REPORT_STATE_VERSION = '1.2'
DEVICE_UP_VERSION = '1.9'
SYNC_ROUTERS_VERSION = '1.0'


def admin_context():
    """The context an agent sends: admin, no user or project (neutron-server rebuilds it from this)."""
    return {
        'is_admin': True,
        'roles': ['admin'],
        'user_id': None,
        'project_id': None,
        'tenant_id': None,
        'request_id': 'req-' + str(uuid.uuid4()),
        'timestamp': datetime.datetime.utcnow().isoformat(),
    }


def read_env(path):
    values = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#') or '=' not in line:
                continue
            key, value = line.split('=', 1)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
                value = value[1:-1]
            values[key] = value
    return values


class Rpc(object):
    def __init__(self, url, exchange):
        oslo_messaging.set_transport_defaults(control_exchange=exchange)
        # the global CONF: oslo.messaging registers some of its options (metrics) there only
        self.conf = cfg.CONF
        self.conf([], project='l3ha-neutron-peer')
        self.transport = oslo_messaging.get_rpc_transport(self.conf, url=url)
        self.exchange = exchange

    def client(self, topic, version, server=None, timeout=None):
        target = oslo_messaging.Target(exchange=self.exchange, topic=topic, server=server, version=version)
        return oslo_messaging.get_rpc_client(self.transport, target, timeout=timeout)

    def call(self, topic, method, args, version='1.0', server=None, timeout=60):
        return self.client(topic, version, server, timeout).call(admin_context(), method, **args)

    def cast(self, topic, method, args, version='1.0', server=None):
        self.client(topic, version, server).cast(admin_context(), method, **args)

    def close(self):
        self.transport.cleanup()


def agent_states(host):
    """The two agents a network node runs, as they describe themselves to neutron-server."""
    l3 = {
        'binary': 'neutron-l3-agent',
        'host': host,
        'topic': 'l3_agent',
        'agent_type': 'L3 agent',
        'configurations': {'agent_mode': 'legacy'},
    }
    ovs = {
        'binary': 'neutron-openvswitch-agent',
        'host': host,
        'topic': 'N/A',
        'agent_type': 'Open vSwitch agent',
        'configurations': {
            'bridge_mappings': {'public': 'br-ex'},
            'tunnel_types': ['vxlan'],
            'integration_bridge': 'br-int',
        },
    }
    return [l3, ovs]


def report(rpc, state, start):
    state = dict(state)
    if start:
        state['start_flag'] = True
    state['uuid'] = str(uuid.uuid4())
    now = datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%S.%f')
    return rpc.call('q-reports-plugin', 'report_state', {'agent_state': {'agent_state': state}, 'time': now},
                    version=REPORT_STATE_VERSION, timeout=60)


def heartbeat(rpc, args):
    hosts = [h for h in args.hosts.split(',') if h]
    if not hosts:
        sys.exit('heartbeat: --hosts names no host')
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    registered = set()
    while not stop.is_set():
        for host in hosts:
            if stop.is_set():
                break
            answers = []
            try:
                for state in agent_states(host):
                    answers.append('%s: %s' % (state['agent_type'], report(rpc, state, host not in registered)))
            except Exception as e:  # the next round tries again (with start_flag until it succeeds)
                print('report_state for %s failed: %s: %s' % (host, type(e).__name__, e), file=sys.stderr, flush=True)
                continue
            if host not in registered:
                registered.add(host)
                print('registered %s (%s)' % (host, ', '.join(answers)), flush=True)
        stop.wait(args.interval)
    return 0


def remote_call(rpc, args, cast):
    try:
        call_args = json.loads(args.args)
    except ValueError as e:
        sys.exit('--args is not JSON: %s' % e)
    if not isinstance(call_args, dict):
        sys.exit('--args must be a JSON object (the keyword arguments)')
    if cast:
        rpc.cast(args.topic, args.method, call_args, version=args.version, server=args.server)
        print('cast', flush=True)
        return 0
    try:
        result = rpc.call(args.topic, args.method, call_args, version=args.version, server=args.server,
                          timeout=args.timeout)
    except oslo_messaging.RemoteError as e:
        print('remote error: %s: %s' % (e.exc_type, ' '.join(str(e.value).split())), file=sys.stderr, flush=True)
        return EXIT_REMOTE_ERROR
    except oslo_messaging.MessagingTimeout as e:
        print('timeout: no reply to %s on %s within %s s: %s' % (args.method, args.topic, args.timeout, e),
              file=sys.stderr, flush=True)
        return EXIT_TIMEOUT
    print(json.dumps(result, sort_keys=True), flush=True)
    return 0


def ports_up(rpc, args):
    host = args.host
    try:
        routers = rpc.call('q-l3-plugin', 'sync_routers', {'host': host, 'router_ids': None},
                           version=SYNC_ROUTERS_VERSION, timeout=args.timeout)
    except oslo_messaging.RemoteError as e:
        print('remote error: %s: %s' % (e.exc_type, ' '.join(str(e.value).split())), file=sys.stderr, flush=True)
        return EXIT_REMOTE_ERROR
    ports = []
    for router in routers or []:
        candidates = [router.get('_ha_interface'), router.get('gw_port')] + list(router.get('_interfaces') or [])
        for port in candidates:
            if (port and port.get('binding:host_id') == host and port.get('status') != 'ACTIVE'
                    and port['id'] not in ports):
                ports.append(port['id'])
    for port_id in ports:
        rpc.call('q-plugin', 'update_device_up', {'device': port_id, 'agent_id': 'ovs-agent-' + host, 'host': host},
                 version=DEVICE_UP_VERSION, timeout=args.timeout)
    print(json.dumps(ports), flush=True)
    return 0


def capture(url, args):
    import kombu  # the AMQP library oslo.messaging's RabbitMQ driver uses

    parts = urllib.parse.urlsplit(url)
    conn = kombu.Connection(urllib.parse.urlunsplit(('amqp',) + tuple(parts[1:])))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    channel = conn.channel()
    queue_name = 'l3ha-capture-' + uuid.uuid4().hex[:8]
    # the exchanges as oslo.messaging declares them (other flags would be refused by the broker)
    bindings = []
    for spec in args.bind:
        exchange, _, key = spec.partition(':')
        bindings.append(kombu.binding(kombu.Exchange(exchange, type='topic', durable=False, auto_delete=False),
                                      routing_key=key))
    for exchange in args.fanout:
        bindings.append(kombu.binding(kombu.Exchange(exchange, type='fanout', durable=False, auto_delete=True)))
    if not bindings:
        sys.exit('capture: give at least one --bind or --fanout')
    queue = kombu.Queue(queue_name, bindings=bindings, exclusive=True, auto_delete=True, channel=channel)
    for b in bindings:
        b.exchange.maybe_bind(channel)
        b.exchange.declare()
    queue.declare()
    out = open(args.out, 'a')

    def on_message(body, message):
        info = message.delivery_info
        raw = message.body
        if isinstance(raw, bytes):
            raw = raw.decode('utf-8')
        line = {'exchange': info.get('exchange'), 'routing_key': info.get('routing_key'), 'body': json.loads(raw)}
        out.write(json.dumps(line, sort_keys=True) + '\n')
        out.flush()
        message.ack()

    with kombu.Consumer(channel, queues=[queue], callbacks=[on_message], accept=['json']):
        print('capturing', flush=True)
        while not stop.is_set():
            try:
                conn.drain_events(timeout=0.5)
            except TimeoutError:
                pass
            except OSError as e:
                if 'timed out' not in str(e):
                    raise
    out.close()
    conn.release()
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--url', help='transport URL (rabbit://user:password@host:port/vhost)')
    parser.add_argument('--env', help="a peer.env of neutron-peer.sh (its TRANSPORT_URL and CONTROL_EXCHANGE)")
    parser.add_argument('--exchange', help='control exchange (default: neutron)')
    parser.add_argument('--debug', action='store_true', help="oslo.messaging's log on stderr")
    sub = parser.add_subparsers(dest='command', required=True)

    p = sub.add_parser('heartbeat')
    p.add_argument('--hosts', required=True)
    p.add_argument('--interval', type=float, default=10.0)

    for name in ('rpc-call', 'rpc-cast'):
        p = sub.add_parser(name)
        p.add_argument('--topic', required=True)
        p.add_argument('--method', required=True)
        p.add_argument('--args', default='{}')
        p.add_argument('--version', default='1.0')
        p.add_argument('--server')
        if name == 'rpc-call':
            p.add_argument('--timeout', type=float, default=60.0)

    p = sub.add_parser('ports-up')
    p.add_argument('host')
    p.add_argument('--timeout', type=float, default=60.0)

    p = sub.add_parser('capture')
    p.add_argument('--out', required=True)
    p.add_argument('--bind', action='append', default=[])
    p.add_argument('--fanout', action='append', default=[])

    args = parser.parse_args()
    env = read_env(args.env) if args.env else {}
    url = args.url or env.get('TRANSPORT_URL') or os.environ.get('TRANSPORT_URL')
    if not url:
        parser.error('no transport URL: give --url or --env, or set TRANSPORT_URL')
    exchange = args.exchange or env.get('CONTROL_EXCHANGE') or os.environ.get('CONTROL_EXCHANGE') or 'neutron'
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR, stream=sys.stderr)

    if args.command == 'capture':
        return capture(url, args)
    rpc = Rpc(url, exchange)
    try:
        if args.command == 'heartbeat':
            return heartbeat(rpc, args)
        if args.command == 'ports-up':
            return ports_up(rpc, args)
        return remote_call(rpc, args, cast=args.command == 'rpc-cast')
    finally:
        rpc.close()


if __name__ == '__main__':
    rc = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # oslo.messaging leaves non-daemon threads (heartbeats) that would delay a normal exit
    os._exit(rc or 0)
