// The receiver on loopback: a store hosting example.net, DNS from an in-memory resolver
// (injected in place of the `dns` address), and a sink standing for the filter. Recipients
// are checked at RCPT (unknown user 550, unhosted domain 554: never an open relay); a
// DKIM-signed message from a domain with SPF and DMARC reaches the next hop with spf=pass
// dkim=pass dmarc=pass; a p=reject failure is refused; forged Authentication-Results go.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GeneratedKey, generateKey, signMessage } from '../../src/dkim/index.js';
import { checkConfig } from '../../src/services/config.js';
import { silentLogger } from '../../src/services/log.js';
import {
  type ReceiverConfig,
  receiverSchema,
  receiverService,
  startReceiverService,
} from '../../src/services/receiver/index.js';
import type { RunningService } from '../../src/services/service.js';
import { deliver } from '../../src/services/smtp-client/index.js';
import { replyText } from '../../src/smtp/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { fakeResolver } from '../dkim/fake-dns.js';
import { addr, type Sink, send, startSink } from './mail-helpers.js';
import { makeCert } from './smtp-helpers.js';

let dir: string;
let store: Store;
let key: GeneratedKey;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'poste-receiver-'));
  store = await openStore(join(dir, 'store'), { create: true });
  await store.addDomain('example.net');
  await store.addUser('bob@example.net', 'secret-password');
  await store.addAlias('team@example.net', ['bob@example.net']);
  key = await generateKey('ed25519');
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  while (cleanup.length) await (cleanup.pop() as () => Promise<void>)().catch(() => {});
});

/** example.org: SPF for loopback, its DKIM key, DMARC p=reject; example.com publishes nothing. */
function dns() {
  return fakeResolver({
    'example.org': 'v=spf1 ip4:127.0.0.1 -all',
    's1._domainkey.example.org': key.record,
    '_dmarc.example.org': 'v=DMARC1; p=reject; adkim=s; aspf=s',
    'quarantined.example': 'v=spf1 -all',
    '_dmarc.quarantined.example': 'v=DMARC1; p=quarantine',
  });
}

let next: Sink;
let port: number;

async function start(extra: Partial<Record<string, unknown>> = {}): Promise<RunningService> {
  const config = checkConfig<ReceiverConfig>(
    receiverSchema,
    {
      hostname: 'mx.example.net',
      listen: '127.0.0.1:0',
      store: 'store',
      dns: '127.0.0.1:53',
      next: `127.0.0.1:${next.port}`,
      ...extra,
    },
    'receiver',
  );
  const service = await startReceiverService(
    config,
    { log: silentLogger, baseDir: dir },
    { resolver: dns(), store },
  );
  cleanup.push(() => service.close());
  port = (service.listeners.smtp as { port: number }).port;
  return service;
}

beforeEach(async () => {
  next = await startSink('127.0.0.1');
  cleanup.push(() => next.close());
});

function message(from: string, extra = '', body = 'Hello Bob, see you at noon.\r\n'): Buffer {
  return Buffer.from(
    `${extra}From: Ada <${from}>\r\nTo: bob@example.net\r\nSubject: lunch\r\nDate: Sun, 29 Nov 2026 10:00:00 +0000\r\n` +
      `Message-ID: <${Math.random().toString(36).slice(2)}@example.org>\r\n\r\n${body}`,
  );
}

function signed(msg: Buffer): Buffer {
  return Buffer.from(
    signMessage(msg, { signatures: [{ domain: 'example.org', selector: 's1', key: key.key }] }),
  );
}

/** The header fields of a message, unfolded, in order. */
function fields(data: Buffer): [string, string][] {
  const head = data
    .subarray(0, data.indexOf('\r\n\r\n'))
    .toString('utf8')
    .replace(/\r\n[ \t]+/g, ' ');
  return head.split('\r\n').map((l) => {
    const c = l.indexOf(':');
    return [l.slice(0, c).toLowerCase(), l.slice(c + 1).trim()];
  });
}

describe('receiver', () => {
  it('is one of the services, with a config schema', () => {
    expect(receiverService.name).toBe('receiver');
    expect(() => checkConfig(receiverSchema, { hostname: 'mx', listen: 25 }, 'receiver')).toThrow(
      /receiver\.listen: expected ADDR:PORT/,
    );
  });

  it('refuses an unknown user at RCPT with 550 5.1.1', async () => {
    await start();
    const out = await send(
      port,
      'ada@example.org',
      ['nobody@example.net'],
      signed(message('ada@example.org')),
    );
    const r = out.result?.recipients[0]?.reply;
    expect(r?.code).toBe(550);
    expect(r?.enhanced).toBe('5.1.1');
    expect(out.result?.data).toBeUndefined();
    expect(next.received).toHaveLength(0);
  });

  it('is not an open relay: a domain it does not host is refused', async () => {
    const service = await start();
    const out = await send(
      port,
      'ada@example.org',
      ['carol@example.com'],
      signed(message('ada@example.org')),
    );
    const r = out.result?.recipients[0]?.reply;
    expect(r?.code).toBe(554);
    expect(replyText(r as never)).toMatch(/5\.7\.1 Relay access denied/);
    expect(next.received).toHaveLength(0);
    expect(service.state().rcptRelayDenied).toBe(1);
  });

  it('passes a DKIM-signed message with spf=pass dkim=pass dmarc=pass in its Authentication-Results', async () => {
    const service = await start();
    const out = await send(
      port,
      'ada@example.org',
      ['bob@example.net', 'team@example.net'],
      signed(message('ada@example.org')),
    );
    expect(out.result?.data?.code).toBe(250);
    expect(next.received).toHaveLength(1);
    const got = next.received[0];
    expect(got?.from).toBe('ada@example.org');
    expect(got?.to).toEqual(['bob@example.net', 'team@example.net']);
    const f = fields(got?.data as Buffer);
    expect(f[0]?.[0]).toBe('authentication-results');
    const ar = f[0]?.[1] as string;
    expect(ar).toMatch(/^mx\.example\.net; spf=pass /);
    expect(ar).toMatch(/; dkim=pass [^;]*header\.d=example\.org/);
    expect(ar).toMatch(/; dmarc=pass [^;]*header\.from=example\.org/);
    expect(ar).toMatch(/; arc=none/);
    expect(f[1]?.[0]).toBe('received');
    expect(f[1]?.[1]).toMatch(
      /^from client\.test \(\[127\.0\.0\.1\]\) by mx\.example\.net \(poste\) with ESMTP/,
    );
    expect(f[2]?.[0]).toBe('dkim-signature');
    expect(service.state()).toMatchObject({ messages: 1, spfPass: 1, dkimPass: 1, dmarcPass: 1 });
  });

  it('refuses a DMARC failure under p=reject with 550 5.7.1', async () => {
    const service = await start();
    // Unsigned, and the bounce domain is not example.org: neither SPF nor DKIM aligns.
    const out = await send(port, 'bounce@example.com', ['bob@example.net'], message('ada@example.org'));
    expect(out.result?.data?.code).toBe(550);
    expect(out.result?.data?.enhanced).toBe('5.7.1');
    expect(replyText(out.result?.data as never)).toMatch(/example\.org .*DMARC/);
    expect(next.received).toHaveLength(0);
    expect(service.state().rejectedDmarc).toBe(1);
  });

  it('with rejectOnDmarc false, passes it on marked by dmarc=fail policy.dmarc=reject', async () => {
    await start({ rejectOnDmarc: false });
    const out = await send(port, 'bounce@example.com', ['bob@example.net'], message('ada@example.org'));
    expect(out.result?.data?.code).toBe(250);
    const ar = fields(next.received[0]?.data as Buffer)[0]?.[1];
    expect(ar).toMatch(/dmarc=fail \(p=reject dis=reject\) header\.from=example\.org policy\.dmarc=reject/);
  });

  it('does not refuse on SPF alone, and leaves quarantine to the filter', async () => {
    await start();
    const out = await send(
      port,
      'ada@quarantined.example',
      ['bob@example.net'],
      message('ada@quarantined.example'),
    );
    expect(out.result?.data?.code).toBe(250);
    const ar = fields(next.received[0]?.data as Buffer)[0]?.[1];
    expect(ar).toMatch(/spf=fail /);
    expect(ar).toMatch(/dmarc=fail [^;]*policy\.dmarc=quarantine/);
  });

  it('removes forged Authentication-Results claiming our authserv-id, keeps the others', async () => {
    const service = await start();
    const forged =
      'Authentication-Results: mx.example.net; dkim=pass header.d=bank.example; dmarc=pass\r\n' +
      'Authentication-Results: other.example; spf=pass smtp.mailfrom=x@other.example\r\n';
    const out = await send(
      port,
      'ada@example.org',
      ['bob@example.net'],
      signed(message('ada@example.org', forged)),
    );
    expect(out.result?.data?.code).toBe(250);
    const f = fields(next.received[0]?.data as Buffer);
    const ars = f.filter(([n]) => n === 'authentication-results').map(([, v]) => v);
    expect(ars).toHaveLength(2);
    expect(ars[0]).toMatch(/^mx\.example\.net; spf=pass /);
    expect(ars[1]).toMatch(/^other\.example; /);
    expect(ars.join('\n')).not.toMatch(/bank\.example/);
    expect(service.state().forgedRemoved).toBe(1);
  });

  it('answers 451 when the filter is down, so that the client retries', async () => {
    await start();
    await next.close();
    const out = await send(port, 'ada@example.org', ['bob@example.net'], signed(message('ada@example.org')));
    expect(out.result?.data?.code).toBe(451);
  });

  it('offers STARTTLS with the configured certificate', async () => {
    const cert = makeCert(dir);
    await start({ tls: { cert: cert.certPath, key: cert.keyPath } });
    const out = await deliver({
      host: '127.0.0.1',
      port,
      tls: 'opportunistic',
      hostname: 'client.test',
      from: addr('ada@example.org'),
      recipients: [addr('bob@example.net')],
      message: signed(message('ada@example.org')),
      timeoutMs: 10_000,
    });
    expect(out.tls).toBe(true);
    expect(out.result?.data?.code).toBe(250);
    expect(fields(next.received[0]?.data as Buffer)[1]?.[1]).toMatch(/ with ESMTPS /);
  });
});
