#!/usr/bin/python3
"""Sends update_ha_routers_states the way Neutron's L3 agent does, on the real oslo.messaging.

Neutron's L3PluginApi: an RPC client on Target(topic='q-l3-plugin', version='1.0'), then
prepare(version='1.5').cast(context, 'update_ha_routers_states', host=..., states=...), with the
agent's admin context (neutron_lib.context.get_admin_context_without_session()) serialised by
oslo.context's RequestContext.to_dict() plus neutron-lib's additions. neutron-lib is not needed:
the same dict is built here from oslo.context.

--mode call sends a call instead (what the agent did before 2019) with --timeout seconds; with
nobody answering it ends in MessagingTimeout, which this script reports and ignores.
Prints SENT when done.

usage: oslo_rpc_client.py --url rabbit://... --exchange X --topic T --host H --states JSON
                          [--mode cast|call] [--timeout S]
"""
import argparse
import datetime
import json
import os
import sys

from oslo_config import cfg
from oslo_context import context as oslo_context
import oslo_messaging


def neutron_admin_context():
    ctx = oslo_context.RequestContext(user_id=None, project_id=None, is_admin=True,
                                      overwrite=False)
    # neutron-lib elevated(): roles |= {admin, member, reader}
    ctx.roles = list(set(ctx.roles) | {'admin', 'member', 'reader'})
    d = ctx.to_dict()
    # neutron-lib ContextBase.to_dict() additions
    d.update({
        'user_id': ctx.user_id,
        'tenant_id': ctx.project_id,
        'project_id': ctx.project_id,
        'timestamp': str(datetime.datetime.utcnow()),
        'tenant_name': ctx.project_name,
        'project_name': ctx.project_name,
        'user_name': None,
    })
    return d


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--url', required=True)
    parser.add_argument('--exchange', required=True)
    parser.add_argument('--topic', required=True)
    parser.add_argument('--host', required=True)
    parser.add_argument('--states', required=True)
    parser.add_argument('--mode', choices=['cast', 'call'], default='cast')
    parser.add_argument('--timeout', type=float, default=2)
    args = parser.parse_args()

    conf = cfg.CONF  # oslo.messaging registers some options (metrics) on the global CONF only
    conf([], project='l3ha-test')
    transport = oslo_messaging.get_rpc_transport(conf, url=args.url)
    target = oslo_messaging.Target(exchange=args.exchange, topic=args.topic, version='1.0')
    client = oslo_messaging.get_rpc_client(transport, target)
    cctxt = client.prepare(version='1.5', timeout=args.timeout)
    states = json.loads(args.states)
    ctx = neutron_admin_context()
    if args.mode == 'cast':
        cctxt.cast(ctx, 'update_ha_routers_states', host=args.host, states=states)
    else:
        try:
            cctxt.call(ctx, 'update_ha_routers_states', host=args.host, states=states)
        except oslo_messaging.MessagingTimeout:
            print('TIMEOUT', flush=True)
    transport.cleanup()
    print('SENT', flush=True)
    return 0


if __name__ == '__main__':
    rc = main()
    sys.stdout.flush()
    # oslo.messaging leaves non-daemon threads (heartbeats) that delay a normal exit by ~10 s
    os._exit(rc)
