#!/usr/bin/python3
"""A stand-in for neutron-server's L3 plugin RPC endpoint, on the real oslo.messaging.

Listens with oslo.messaging's RPC server on TOPIC (exchange EXCHANGE) at RPC API version 1.13,
as neutron-server's L3RpcCallback does, and records every update_ha_routers_states call as one
JSON line in RECORD: {"host": ..., "states": {...}, "context": {...}, "context_keys": [...]}.

A call with host "l3ha-raise" raises ValueError (to test remote failures). sync_routers answers []
for any host but those whose name starts with "unregistered", for which it raises
AgentNotFoundByTypeHost, as neutron-server does for a host that is not a registered L3 agent.
Prints READY on stdout once the queues are declared and bound; stops on SIGTERM or SIGINT.

usage: oslo_rpc_server.py --url rabbit://... --exchange X --topic T --server S --record FILE
"""
import argparse
import json
import os
import signal
import sys
import threading

from oslo_config import cfg
import oslo_messaging


class AgentNotFoundByTypeHost(Exception):
    """neutron-server's exception for a host without an agent of the type asked for."""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--url', required=True)
    parser.add_argument('--exchange', required=True)
    parser.add_argument('--topic', required=True)
    parser.add_argument('--server', required=True)
    parser.add_argument('--record', required=True)
    parser.add_argument('--version', default='1.13')
    args = parser.parse_args()

    conf = cfg.CONF  # oslo.messaging registers some options (metrics) on the global CONF only
    conf([], project='l3ha-test')
    transport = oslo_messaging.get_rpc_transport(conf, url=args.url)
    lock = threading.Lock()

    class L3RpcEndpoint(object):
        target = oslo_messaging.Target(version=args.version)

        def update_ha_routers_states(self, context, host, states):
            record = {'host': host, 'states': states, 'context': context,
                      'context_keys': sorted(context.keys())}
            with lock:
                with open(args.record, 'a') as f:
                    f.write(json.dumps(record, sort_keys=True, default=str) + '\n')
                    f.flush()
            if host == 'l3ha-raise':
                raise ValueError('l3ha test failure for %d routers' % len(states))
            return None

        def sync_routers(self, context, host, router_ids=None):
            if host.startswith('unregistered'):
                raise AgentNotFoundByTypeHost(
                    'Agent with agent_type=L3 agent and host=%s could not be found' % host)
            return []

    target = oslo_messaging.Target(exchange=args.exchange, topic=args.topic,
                                   server=args.server, version=args.version)
    server = oslo_messaging.get_rpc_server(transport, target, [L3RpcEndpoint()],
                                           executor='threading')
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    # one worker: calls are recorded in the order they arrive
    server.start(override_pool_size=1)
    print('READY', flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    server.wait()
    transport.cleanup()
    return 0


if __name__ == '__main__':
    rc = main()
    sys.stdout.flush()
    # oslo.messaging leaves non-daemon threads (heartbeats) that delay a normal exit by ~10 s
    os._exit(rc)
