// Where a domain's mail goes: a static route when one is configured (a smarthost, or the
// internal next hop of a service), else its MX hosts (RFC 5321 §5.1, src/smtp mxRoute),
// every address of each, all on one port (25 in production; loopback tests use another).
import type { Resolver } from '../dns/index.js';
import { mxRoute } from '../smtp/index.js';
import type { RouteHost, Router } from './scheduler.js';

export interface MxRouterOptions {
  resolver: Resolver;
  port?: number;
  /** domain (lower case) or "*" → hosts, tried in order before any MX lookup. */
  static?: Map<string, RouteHost[]>;
  random?: () => number;
}

export function mxRouter(o: MxRouterOptions): Router {
  const port = o.port ?? 25;
  const random = o.random ?? Math.random;
  return async (domain) => {
    const fixed = o.static?.get(domain.toLowerCase()) ?? o.static?.get('*');
    if (fixed) return { kind: 'hosts', hosts: fixed };
    // An address literal ([192.0.2.1], RFC 5321 §4.1.3) is the host itself.
    const literal = /^\[(?:IPv6:)?([^\]]+)\]$/i.exec(domain);
    if (literal) return { kind: 'hosts', hosts: [{ host: domain, address: literal[1] as string, port }] };
    const r = await mxRoute(domain, o.resolver, random);
    switch (r.kind) {
      case 'hosts':
        return {
          kind: 'hosts',
          hosts: r.hosts.flatMap((h) =>
            h.addresses.map((address) => ({ host: h.name.replace(/\.$/, ''), address, port })),
          ),
        };
      case 'null-mx':
        return { kind: 'permanent', reason: `${domain} accepts no mail (null MX)`, status: '5.1.10' };
      case 'none':
        return { kind: 'permanent', reason: r.reason, status: '5.1.2' };
      case 'temporary':
        return { kind: 'temporary', reason: r.reason };
    }
  };
}
