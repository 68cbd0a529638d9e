// What `poste stack up` builds the first time, in DIR: a local CA and a certificate for the
// mail host, a store with two demo domains (alpha.test, beta.test: RFC 2606 names that can
// never leak to the Internet) and their users, the eight services' configs on loopback ports,
// and stack.json saying where everything is. Nothing here talks to the network.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalCa } from '../../acme/index.js';
import { writeFileDurably } from '../../fs/index.js';
import { openStore } from '../../store/index.js';
import { freePorts } from './ports.js';

export const SERVICE_ORDER = [
  'primary',
  'resolver',
  'relay',
  'filter',
  'receiver',
  'signer',
  'submission',
  'acme',
] as const;

export type ServiceName = (typeof SERVICE_ORDER)[number];

export interface StackService {
  host: string;
  /** The main listener (for submission: its STARTTLS port). */
  port: number;
  protocol: string;
  metrics: number;
  pid?: number;
  config: string;
  log: string;
}

export interface StackUser {
  address: string;
  password: string;
  maildir: string;
}

export interface StackFile {
  version: 1;
  dir: string;
  domains: string[];
  ca: string;
  services: Record<ServiceName, StackService>;
  /** Besides the main listeners: submission over implicit TLS. */
  extra: { submissions: number };
  users: StackUser[];
  /** The key the filter ARC-seals forwards with (a hosted domain's RSA DKIM key). */
  arc?: { domain: string; selector: string; key: string };
}

export const DEMO_DOMAINS = ['alpha.test', 'beta.test'];
const HOST = '127.0.0.1';

function password(): string {
  return randomBytes(12).toString('base64url');
}

/** Creates everything in `dir` (which must be empty or new) and returns the stack file. */
export async function initStack(dir: string): Promise<StackFile> {
  for (const d of ['ca', 'tls', 'config', 'logs', 'spool', 'maildirs', 'acme'])
    await mkdir(join(dir, d), { recursive: true });
  const ca = createLocalCa('poste stack local CA');
  await writeFileDurably(join(dir, 'ca', 'ca.pem'), ca.cert);
  await writeFileDurably(join(dir, 'ca', 'ca.key'), ca.key, 0o600);
  const leaf = ca.issue([
    ...DEMO_DOMAINS.map((d) => `mail.${d}`),
    'mx.stack.test',
    'submission.stack.test',
    'localhost',
    HOST,
  ]);
  await writeFileDurably(join(dir, 'tls', 'cert.pem'), leaf.cert + ca.cert);
  await writeFileDurably(join(dir, 'tls', 'key.pem'), leaf.key, 0o600);

  const storeDir = join(dir, 'store');
  const store = await openStore(storeDir, { create: true });
  for (const d of DEMO_DOMAINS) await store.addDomain(d, { mxHost: `mail.${d}`, ips: [HOST] });
  const users: StackUser[] = [];
  for (const address of ['ada@alpha.test', 'bob@beta.test']) {
    const pw = password();
    await store.addUser(address, pw);
    users.push({ address, password: pw, maildir: join(dir, 'maildirs', address) });
  }
  // A list on beta.test reaching both domains (both hosted here: two local copies).
  await store.addAlias('team@beta.test', ['bob@beta.test', 'ada@alpha.test']);
  const sealer = (await store.dkimKeys('beta.test')).find((k) => k.algorithm === 'rsa-sha256');

  const [dns, res] = await freePorts(HOST, 2, true);
  const [sub, subs, signer, relay, receiver, filter, ...metrics] = await freePorts(
    HOST,
    6 + SERVICE_ORDER.length,
  );
  const ports: Record<ServiceName, [number, string]> = {
    primary: [dns as number, 'dns'],
    resolver: [res as number, 'dns'],
    relay: [relay as number, 'smtp'],
    filter: [filter as number, 'smtp'],
    receiver: [receiver as number, 'smtp'],
    signer: [signer as number, 'smtp'],
    submission: [sub as number, 'smtp'],
    acme: [0, 'none'],
  };
  const services = {} as Record<ServiceName, StackService>;
  SERVICE_ORDER.forEach((name, i) => {
    const [port, protocol] = ports[name];
    services[name] = {
      host: HOST,
      port,
      protocol,
      metrics: metrics[i] as number,
      config: join(dir, 'config', `${name}.json`),
      log: join(dir, 'logs', `${name}.log`),
    };
  });
  const stack: StackFile = {
    version: 1,
    dir,
    domains: DEMO_DOMAINS,
    ca: join(dir, 'ca', 'ca.pem'),
    services,
    extra: { submissions: subs as number },
    users,
    ...(sealer
      ? { arc: { domain: 'beta.test', selector: sealer.selector, key: join(storeDir, sealer.file) } }
      : {}),
  };
  const configs = serviceConfigs(stack);
  for (const name of SERVICE_ORDER)
    await writeFile(services[name].config, `${JSON.stringify(configs[name], null, 2)}\n`, { mode: 0o600 });
  return stack;
}

const at = (s: StackService) => `${s.host}:${s.port}`;

/** Each service's config file content: everything on loopback, names the demo's. */
export function serviceConfigs(stack: StackFile): Record<ServiceName, Record<string, unknown>> {
  const s = stack.services;
  const dir = stack.dir;
  const store = join(dir, 'store');
  const metrics = (n: ServiceName) => `${s[n].host}:${s[n].metrics}`;
  // Each service its own name, so the Received chain of a message reads as its path.
  const host = (n: string) => `${n}.stack.test`;
  const mx = 'mx.stack.test';
  return {
    primary: { listen: at(s.primary), zones: join(store, 'zones'), metrics: metrics('primary') },
    resolver: {
      listen: at(s.resolver),
      forward: stack.domains.map((d) => `${d}=${at(s.primary)}`),
      forwardOnly: true,
      metrics: metrics('resolver'),
    },
    relay: {
      listen: at(s.relay),
      hostname: host('relay'),
      spool: join(dir, 'spool'),
      resolver: at(s.resolver),
      deliveryPort: s.receiver.port,
      minFree: 0,
      retryMin: '2s',
      retryMax: '30s',
      metrics: metrics('relay'),
    },
    filter: {
      listen: at(s.filter),
      hostname: host('filter'),
      store,
      maildirs: join(dir, 'maildirs'),
      relay: at(s.relay),
      authservId: mx,
      ...(stack.arc ? { arc: stack.arc } : {}),
      metrics: metrics('filter'),
    },
    receiver: {
      listen: at(s.receiver),
      hostname: mx,
      authservId: mx,
      store,
      dns: at(s.resolver),
      next: at(s.filter),
      tls: { cert: join(dir, 'tls', 'cert.pem'), key: join(dir, 'tls', 'key.pem') },
      metrics: metrics('receiver'),
    },
    signer: {
      listen: at(s.signer),
      hostname: host('signer'),
      store,
      next: at(s.relay),
      primary: at(s.primary),
      dns: at(s.resolver),
      metrics: metrics('signer'),
    },
    submission: {
      listen: at(s.submission),
      listenTls: `${s.submission.host}:${stack.extra.submissions}`,
      hostname: host('submission'),
      tls: { cert: join(dir, 'tls', 'cert.pem'), key: join(dir, 'tls', 'key.pem') },
      store,
      next: at(s.signer),
      metrics: metrics('submission'),
    },
    acme: { dirs: [], metrics: metrics('acme') },
  };
}
