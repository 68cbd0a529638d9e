// The filter on loopback: a store hosting example.net, maildirs in a temp directory, a sink
// standing for the relay. Ham goes into the user's maildir with our X-Spam fields (incoming
// ones removed), Return-Path and Delivered-To; a forward to an outside address reaches the
// relay ARC-sealed (and the seal verifies with its key published); a mailbox that cannot be
// written answers 451 and keeps nothing; a DMARC quarantine verdict flags the message.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyArc } from '../../src/arc/index.js';
import { type GeneratedKey, generateKey } from '../../src/dkim/index.js';
import { checkConfig } from '../../src/services/config.js';
import {
  type FilterConfig,
  filterSchema,
  filterService,
  startFilterService,
} from '../../src/services/filter/index.js';
import { silentLogger } from '../../src/services/log.js';
import {
  type ReceiverConfig,
  receiverSchema,
  startReceiverService,
} from '../../src/services/receiver/index.js';
import type { RunningService } from '../../src/services/service.js';
import { openStore, type Store } from '../../src/store/index.js';
import { fakeResolver } from '../dkim/fake-dns.js';
import { type Sink, send, startSink } from './mail-helpers.js';

let dir: string;
let store: Store;
let arcKey: GeneratedKey;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'poste-filter-'));
  store = await openStore(join(dir, 'store'), { create: true });
  await store.addDomain('example.net');
  await store.addUser('bob@example.net', 'secret-password');
  await store.addUser('dan@example.net', 'secret-password');
  await store.addAlias('fwd@example.net', ['carol@example.com']);
  await store.addAlias('both@example.net', ['dan@example.net', 'erin@example.com']);
  arcKey = await generateKey('rsa-2048');
  writeFileSync(join(dir, 'arc.pem'), arcKey.privateKeyPem);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let relay: Sink;
let port: number;
let maildirs: string;

beforeEach(async () => {
  relay = await startSink('127.0.0.1');
  cleanup.push(() => relay.close());
  maildirs = mkdtempSync(join(dir, 'maildirs-'));
});
afterEach(async () => {
  while (cleanup.length) await (cleanup.pop() as () => Promise<void>)().catch(() => {});
});

async function start(): Promise<RunningService> {
  const config = checkConfig<FilterConfig>(
    filterSchema,
    {
      hostname: 'filter.example.net',
      listen: '127.0.0.1:0',
      store: 'store',
      maildirs,
      relay: `127.0.0.1:${relay.port}`,
      authservId: 'mx.example.net',
      arc: { domain: 'example.net', selector: 'arc1', key: 'arc.pem' },
    },
    'filter',
  );
  const service = await startFilterService(config, { log: silentLogger, baseDir: dir }, { store });
  cleanup.push(() => service.close());
  port = (service.listeners.smtp as { port: number }).port;
  return service;
}

const AR =
  'Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=ada@example.org;\r\n' +
  '\tdkim=pass header.d=example.org; dmarc=pass header.from=example.org; arc=none\r\n';

function message(to: string, extra = ''): Buffer {
  return Buffer.from(
    `${AR}${extra}From: Ada <ada@example.org>\r\nTo: ${to}\r\nSubject: minutes of the meeting\r\n` +
      'Date: Sun, 29 Nov 2026 10:00:00 +0000\r\n' +
      `Message-ID: <${Math.random().toString(36).slice(2)}@example.org>\r\n\r\n` +
      'Hi Bob,\r\n\r\nI went through the patch you sent yesterday. The test for the parser fails on my\r\n' +
      'machine; could you rebase on the current branch and run it again? The thread on the mailing\r\n' +
      'list has the details.\r\n\r\nThanks,\r\nAda\r\n',
  );
}

function delivered(address: string): Buffer[] {
  const d = join(maildirs, address, 'new');
  if (!existsSync(d)) return [];
  return readdirSync(d).map((n) => readFileSync(join(d, n)));
}

function header(data: Buffer): string {
  return data.subarray(0, data.indexOf('\r\n\r\n') + 2).toString('utf8');
}

describe('filter', () => {
  it('is one of the services, with a config schema', () => {
    expect(filterService.name).toBe('filter');
    expect(() => checkConfig(filterSchema, { hostname: 'f', store: 's', maildirs: 'm' }, 'filter')).toThrow(
      /filter\.relay: missing/,
    );
  });

  it('delivers ham into the maildir with our X-Spam fields, Return-Path and Delivered-To', async () => {
    const service = await start();
    const forged = 'X-Spam-Status: No, verdict=ham score=0.0000\r\nX-Spam-Flag: NO\r\n';
    const out = await send(port, 'ada@example.org', ['bob@example.net'], message('bob@example.net', forged));
    expect(out.result?.data?.code).toBe(250);
    const got = delivered('bob@example.net');
    expect(got).toHaveLength(1);
    const h = header(got[0] as Buffer);
    expect(h).toMatch(
      /^Return-Path: <ada@example\.org>\r\nDelivered-To: bob@example\.net\r\nReceived: from client\.test /,
    );
    expect(h.match(/^X-Spam-Status:/gm)).toHaveLength(1);
    expect(h.match(/^X-Spam-Flag:/gm)).toHaveLength(1);
    expect(h).toMatch(
      /^X-Spam-Status: No, verdict=ham score=0\.\d{4} required=0\.\d\d model=[0-9a-f]{12}\r\n/m,
    );
    expect(h).toMatch(/^X-Spam-Score: 0\.\d{4}\r\nX-Spam-Flag: NO\r\n/m);
    expect(h).toMatch(/^Authentication-Results: mx\.example\.net; spf=pass/m);
    expect(relay.received).toHaveLength(0);
    expect(service.state()).toMatchObject({ messages: 1, ham: 1, delivered: 1, spamFieldsRemoved: 2 });
  });

  it('forwards to an outside address through the relay, ARC-sealed', async () => {
    const service = await start();
    const out = await send(port, 'ada@example.org', ['fwd@example.net'], message('fwd@example.net'));
    expect(out.result?.data?.code).toBe(250);
    expect(relay.received).toHaveLength(1);
    const got = relay.received[0];
    expect(got?.from).toBe('ada@example.org');
    expect(got?.to).toEqual(['carol@example.com']);
    const h = header(got?.data as Buffer);
    expect(h.replace(/\r\n[ \t]+/g, ' ')).toMatch(
      /^ARC-Seal: a=rsa-sha256; b=[^;]+; cv=none; d=example\.net; i=1; s=arc1;/,
    );
    expect(h.replace(/\r\n[ \t]+/g, ' ')).toMatch(
      /^ARC-Authentication-Results: i=1; mx\.example\.net; spf=pass [^\r]*dkim=pass [^\r]*dmarc=pass/m,
    );
    const arc = await verifyArc(got?.data as Buffer, {
      resolver: fakeResolver({ 'arc1._domainkey.example.net': arcKey.record }),
    });
    expect(arc.cv).toBe('pass');
    expect(service.state()).toMatchObject({ forwarded: 1, sealed: 1, delivered: 0 });
  });

  it('delivers an alias to its mailbox and its forward alike', async () => {
    await start();
    const out = await send(port, 'ada@example.org', ['both@example.net'], message('both@example.net'));
    expect(out.result?.data?.code).toBe(250);
    expect(delivered('dan@example.net')).toHaveLength(1);
    expect(relay.received.map((m) => m.to)).toEqual([['erin@example.com']]);
  });

  it('answers 451 when a mailbox cannot be written, and keeps no copy anywhere', async () => {
    const service = await start();
    // The maildir's place is taken by a file: it cannot be made.
    writeFileSync(join(maildirs, 'bob@example.net'), 'not a directory');
    for (const sub of ['tmp', 'new', 'cur'])
      mkdirSync(join(maildirs, 'dan@example.net', sub), { recursive: true });
    const out = await send(
      port,
      'ada@example.org',
      ['dan@example.net', 'bob@example.net', 'fwd@example.net'],
      message('bob@example.net'),
    );
    expect(out.result?.data?.code).toBe(451);
    expect(out.result?.data?.enhanced).toBe('4.3.0');
    expect(readdirSync(join(maildirs, 'dan@example.net', 'new'))).toHaveLength(0);
    expect(readdirSync(join(maildirs, 'dan@example.net', 'tmp'))).toHaveLength(0);
    expect(relay.received).toHaveLength(0);
    expect(service.state().failed).toBe(1);
  });

  it('answers the relay refusal of a forward, and keeps no local copy', async () => {
    await start();
    relay.answer = () => ({ code: 451, enhanced: '4.3.0', lines: ['busy'] });
    const out = await send(port, 'ada@example.org', ['both@example.net'], message('both@example.net'));
    expect(out.result?.data?.code).toBe(451);
    expect(delivered('dan@example.net')).toHaveLength(0);
  });

  it('flags a message the receiver marked as a DMARC quarantine', async () => {
    await start();
    const marked = Buffer.from(
      message('bob@example.net')
        .toString('utf8')
        .replace(
          /dmarc=pass header\.from=example\.org/,
          'dmarc=fail (p=quarantine dis=quarantine) header.from=example.org policy.dmarc=quarantine',
        ),
    );
    const out = await send(port, 'ada@example.org', ['bob@example.net'], marked);
    expect(out.result?.data?.code).toBe(250);
    const h = header(delivered('bob@example.net')[0] as Buffer);
    expect(h).toMatch(/^X-Spam-Status: Yes, verdict=\w+ [^\r]* dmarc=quarantine\r\n/m);
    expect(h).toMatch(/^X-Spam-Flag: YES\r\n/m);
  });

  it('refuses a recipient that is not ours, or unknown', async () => {
    await start();
    const out = await send(
      port,
      'ada@example.org',
      ['x@example.com', 'nobody@example.net'],
      message('x@example.com'),
    );
    expect(out.result?.recipients.map((r) => r.reply.code)).toEqual([554, 550]);
  });

  it('behind the receiver: a signed message lands in the maildir with spf, dkim and dmarc passing', async () => {
    await start();
    const dkimKey = await generateKey('ed25519');
    const { signMessage } = await import('../../src/dkim/index.js');
    const receiver = await startReceiverService(
      checkConfig<ReceiverConfig>(
        receiverSchema,
        {
          hostname: 'mx.example.net',
          listen: '127.0.0.1:0',
          store: 'store',
          dns: '127.0.0.1:53',
          next: `127.0.0.1:${port}`,
        },
        'receiver',
      ),
      { log: silentLogger, baseDir: dir },
      {
        store,
        resolver: fakeResolver({
          'example.org': 'v=spf1 ip4:127.0.0.1 -all',
          's1._domainkey.example.org': dkimKey.record,
          '_dmarc.example.org': 'v=DMARC1; p=reject',
        }),
      },
    );
    cleanup.push(() => receiver.close());
    const plain = message('bob@example.net').subarray(AR.length);
    const msg = signMessage(plain, {
      signatures: [{ domain: 'example.org', selector: 's1', key: dkimKey.key }],
    });
    const out = await send(
      receiver.listeners.smtp?.port as number,
      'ada@example.org',
      ['bob@example.net'],
      msg,
    );
    expect(out.result?.data?.code).toBe(250);
    const h = header(delivered('bob@example.net')[0] as Buffer).replace(/\r\n[ \t]+/g, ' ');
    expect(h).toMatch(
      /^Authentication-Results: mx\.example\.net; spf=pass [^\r]*dkim=pass [^\r]*dmarc=pass/m,
    );
    expect(h).toMatch(/^X-Spam-Status: /m);
  });
});
