// The signer: an internal SMTP hop between submission and the relay. Every message whose
// From domain is hosted is DKIM-signed with that domain's keys from the store, RSA and
// Ed25519 together in one pass (relaxed/relaxed, the library's over-signing); other mail
// passes unsigned (logged). The message then goes to the relay synchronously (forward.ts),
// so the client's 250 is the relay's. Keys rotate on a schedule (rotation.ts): a new pair
// is published by TSIG-signed UPDATE to the primary and signs only once the resolver shows
// it; the old records stay for a grace period, then are deleted.
import { readFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { tsigUpdater } from '../../acme/index.js';
import { type SignatureSpec, signMessage } from '../../dkim/index.js';
import {
  isSubdomain,
  normalizeName,
  parseKeyFile,
  type Resolver,
  StubResolver,
  type TsigKey,
} from '../../dns/index.js';
import { reply } from '../../smtp/index.js';
import { openStore, parseAddress, type Store } from '../../store/index.js';
import { allowList, DEFAULT_ALLOW, parsePrefix } from '../allow.js';
import { ConfigError, type Schema } from '../config.js';
import { forwardSink, type NextHop } from '../forward.js';
import type { Logger } from '../log.js';
import type { RunningService, ServiceDefinition } from '../service.js';
import { type SmtpServer, startSmtpServer } from '../smtp-server/index.js';
import { authors } from '../submission/headers.js';
import { type KeyPublisher, KeyRotation } from './rotation.js';

export { type KeyPublisher, KeyRotation, newSelectors, planRotation } from './rotation.js';

export interface SignerConfig {
  hostname: string;
  listen: NextHop;
  store: string;
  next: NextHop;
  allow: string[];
  primary?: NextHop;
  tsigKeyFile?: string;
  dns?: NextHop;
  rotateEvery: number;
  grace: number;
  checkEvery: number;
  maxSize: number;
}

export const signerSchema: Schema = {
  hostname: { type: 'string', required: true, doc: 'our name in the greeting and our EHLO to the relay' },
  listen: { type: 'address', required: true, doc: 'ADDR:PORT of the internal SMTP listener' },
  store: {
    type: 'string',
    required: true,
    doc: 'the store directory (hosted domains, DKIM keys, TSIG keys)',
  },
  next: { type: 'address', required: true, doc: 'ADDR:PORT of the relay, where signed mail goes' },
  allow: {
    type: 'string[]',
    default: DEFAULT_ALLOW,
    doc: 'client addresses (CIDR) that may send through the signer; others are refused at RCPT',
  },
  primary: {
    type: 'address',
    doc: 'ADDR:PORT of the primary DNS server that takes UPDATEs; without it keys are neither published nor rotated',
  },
  tsigKeyFile: {
    type: 'string',
    doc: "TSIG key file (BIND or knot syntax) for UPDATEs; default: the key of the domain's zone in STORE/zones/tsig.keys",
  },
  dns: {
    type: 'address',
    doc: 'ADDR:PORT of the resolver where a new key record must be visible before it signs (needed with primary)',
  },
  rotateEvery: {
    type: 'duration',
    default: '30d',
    doc: "age of a domain's newest keys that calls for a new pair; 0: never rotate",
  },
  grace: {
    type: 'duration',
    default: '7d',
    doc: 'how long the previous keys stay published once the new ones sign',
  },
  checkEvery: { type: 'duration', default: '1h', doc: 'how often the keys of every domain are checked' },
  maxSize: { type: 'integer', default: 52_428_800, min: 1024, doc: 'largest message in bytes' },
};

export interface SignerOptions {
  host: string;
  port: number;
  hostname?: string;
  store: Store;
  next: NextHop;
  /** May this client send through us? Default: loopback only. */
  allowClient?: (remote: string) => boolean;
  /** Where new key records must be seen; absent: keys are used as they are in the store. */
  resolver?: Resolver | undefined;
  /** Publishes a domain's key records; absent: no publishing and no rotation. */
  publisher?: ((domain: string) => Promise<KeyPublisher>) | undefined;
  rotateEveryMs?: number;
  graceMs?: number;
  /** How often rotation runs (ms); 0: only when `rotation.tick()` is called. */
  checkEveryMs?: number;
  pollMs?: number;
  visibleTimeoutMs?: number;
  now?: () => number;
  maxSize?: number;
  log: Logger;
}

export interface Signer extends RunningService {
  server: SmtpServer;
  rotation: KeyRotation;
}

export async function startSigner(o: SignerOptions): Promise<Signer> {
  const { store, log } = o;
  const hostname = o.hostname ?? osHostname();
  const allow = o.allowClient ?? allowList(DEFAULT_ALLOW.map(parsePrefix));
  const maxSize = o.maxSize ?? 52_428_800;
  const counters = { signed: 0, unsigned: 0, failed: 0 };
  const rotation = new KeyRotation({
    store,
    resolver: o.resolver,
    publisher: o.publisher,
    policy: { rotateEveryMs: o.rotateEveryMs ?? 30 * 86_400_000, graceMs: o.graceMs ?? 7 * 86_400_000 },
    ...(o.now ? { now: o.now } : {}),
    ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
    ...(o.visibleTimeoutMs !== undefined ? { visibleTimeoutMs: o.visibleTimeoutMs } : {}),
    log,
  });

  /** The message signed for its From domain when hosted, or as it is. */
  const sign = async (
    message: Buffer,
    id: string,
  ): Promise<Buffer | { reject: ReturnType<typeof reply> }> => {
    const from = authors(message).from[0];
    const domain = from === undefined ? undefined : parseAddress(from)?.domain;
    if (!domain) {
      counters.unsigned++;
      log('unsigned', { id, reason: 'no From address' });
      return message;
    }
    try {
      await store.refresh();
    } catch (e) {
      log('store-error', { error: (e as Error).message });
    }
    if (!store.isHostedDomain(domain)) {
      counters.unsigned++;
      log('unsigned', { id, domain, reason: 'not a hosted domain' });
      return message;
    }
    let specs: SignatureSpec[];
    try {
      const keys = rotation.signingKeys(domain, await store.dkimKeys(domain));
      specs = keys.map((k) => ({
        domain,
        selector: k.selector,
        key: k.key,
        algorithm: k.algorithm,
        canonicalization: 'relaxed/relaxed',
      }));
    } catch (e) {
      counters.failed++;
      log('sign-failed', { id, domain, error: (e as Error).message });
      return { reject: reply(451, '4.3.0', 'Signing key unavailable, try again later') };
    }
    if (specs.length === 0) {
      // A hosted domain without keys would fail DMARC everywhere: better late than unsigned.
      counters.failed++;
      log('sign-failed', { id, domain, error: 'no DKIM key in the store' });
      return { reject: reply(451, '4.3.0', 'No signing key for the domain, try again later') };
    }
    const signed = Buffer.from(signMessage(message, { signatures: specs }));
    counters.signed++;
    log('signed', { id, domain, selectors: specs.map((s) => s.selector) });
    return signed;
  };

  const server = await startSmtpServer({
    host: o.host,
    port: o.port,
    hostname,
    limits: { maxMessageSize: maxSize },
    log,
    handlers: {
      rcpt(to, _params, _envelope, ctx) {
        if (!allow(ctx.remote)) return { ok: false, reply: reply(554, '5.7.1', 'Relay access denied') };
        if (to.domain === '') return { ok: false, reply: reply(550, '5.1.3', 'A domain is needed') };
        return { ok: true };
      },
      async open(envelope, ctx) {
        return forwardSink({
          next: o.next,
          hostname,
          envelope,
          maxBytes: maxSize,
          transform: (message) => sign(message, ctx.id),
        });
      },
    },
  });

  let timer: NodeJS.Timeout | undefined;
  const every = o.checkEveryMs ?? 3_600_000;
  if (rotation.enabled && every > 0) {
    void rotation.tick();
    timer = setInterval(() => void rotation.tick(), every);
    timer.unref();
  }

  return {
    server,
    rotation,
    listeners: { smtp: { ...server.address, protocol: 'smtp' } },
    state: () => ({
      sessions: server.sessions,
      ...counters,
      rotation: rotation.enabled,
      keysGenerated: rotation.counters.generated,
      keysPublished: rotation.counters.published,
      keysRetired: rotation.counters.retired,
      rotationFailures: rotation.counters.failures,
    }),
    async close() {
      clearInterval(timer);
      await rotation.close();
      await server.close();
    },
  };
}

function inBase(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** The TSIG key that may update a domain's zone: from the key file, else the store's key scoped to it. */
export async function updateKeyFor(
  store: Store,
  domain: string,
  fileKeys: TsigKey[] | undefined,
): Promise<TsigKey> {
  if (fileKeys?.[0]) return fileKeys[0];
  const zone = normalizeName(`${domain}.`);
  const scoped = await store.tsigKeys();
  const fits = scoped.filter((s) => s.scopes.length === 0 || s.scopes.some((sc) => isSubdomain(zone, sc)));
  const named = fits.find((s) => s.key.name === normalizeName(`update.${zone}`));
  const key = (named ?? fits[0])?.key;
  if (!key) throw new Error(`no TSIG key for ${zone} in the store's zones/tsig.keys`);
  return key;
}

export const signerService: ServiceDefinition<SignerConfig> = {
  name: 'signer',
  summary:
    'DKIM-signs mail of hosted domains (RSA and Ed25519), publishes and rotates the keys; passes mail to the relay',
  schema: signerSchema,
  async start(config, ctx) {
    if (config.primary && !config.dns)
      throw new ConfigError('signer.dns: missing (the resolver that shows new keys, needed with primary)');
    let prefixes: ReturnType<typeof parsePrefix>[];
    try {
      prefixes = config.allow.map(parsePrefix);
    } catch (e) {
      throw new ConfigError(`signer.allow: ${(e as Error).message}`);
    }
    const store = await openStore(inBase(ctx.baseDir, config.store));
    let fileKeys: TsigKey[] | undefined;
    if (config.tsigKeyFile) {
      const file = inBase(ctx.baseDir, config.tsigKeyFile);
      try {
        fileKeys = parseKeyFile(await readFile(file, 'utf8'));
      } catch (e) {
        throw new ConfigError(`signer.tsigKeyFile: ${file}: ${(e as Error).message}`);
      }
    }
    const primary = config.primary;
    const signer = await startSigner({
      host: config.listen.host,
      port: config.listen.port,
      hostname: config.hostname,
      store,
      next: config.next,
      allowClient: allowList(prefixes),
      resolver: config.dns ? new StubResolver({ server: config.dns, cache: false }) : undefined,
      publisher: primary
        ? async (domain) =>
            tsigUpdater({ server: primary, key: await updateKeyFor(store, domain, fileKeys), ttl: 3600 })
        : undefined,
      rotateEveryMs: config.rotateEvery,
      graceMs: config.grace,
      checkEveryMs: config.checkEvery,
      maxSize: config.maxSize,
      log: ctx.log,
    });
    return signer;
  },
  paths(config, baseDir) {
    return {
      read: [
        inBase(baseDir, config.store),
        ...(config.tsigKeyFile ? [inBase(baseDir, config.tsigKeyFile)] : []),
      ],
      // New and retired DKIM keys are committed to the store.
      write: [inBase(baseDir, config.store)],
      childProcess: true,
    };
  },
};
