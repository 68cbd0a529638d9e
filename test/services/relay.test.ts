// The relay service on loopback: MX delivery, the next MX when one is down, retries after
// 451, a DSN to the sender after 550, never an open relay, 452 when the disk is short.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mime/index.js';
import { silentLogger } from '../../src/services/log.js';
import { type Relay, type RelayOptions, startRelay } from '../../src/services/relay/index.js';
import { reply, type Sink, send, startSink, testMessage, zoneResolver } from './mail-helpers.js';

let dir: string;
const cleanup: (() => Promise<void>)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'poste-relay-'));
});
afterEach(async () => {
  while (cleanup.length) await (cleanup.pop() as () => Promise<void>)().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

/** example.net: MX 10 on 127.0.0.2 (nothing listens), MX 20 on 127.0.0.3; example.org on 127.0.0.4. */
const ZONE = `
$TTL 300
@ SOA ns hostmaster 1 3600 600 86400 300
@ NS ns
ns A 127.0.0.1
example.net. MX 10 mx1.example.net.
example.net. MX 20 mx2.example.net.
mx1.example.net. A 127.0.0.2
mx2.example.net. A 127.0.0.3
example.org. MX 10 mx.example.org.
mx.example.org. A 127.0.0.4
`;

async function setup(extra: Partial<RelayOptions> = {}): Promise<{ relay: Relay; net: Sink; org: Sink }> {
  // Both sinks on one port number (the relay has one delivery port), on two addresses.
  const net = await startSink('127.0.0.3');
  cleanup.push(() => net.close());
  const org = await startSink('127.0.0.4', net.port);
  cleanup.push(() => org.close());
  const relay = await startRelay({
    spool: dir,
    host: '127.0.0.1',
    port: 0,
    hostname: 'relay.test',
    resolver: zoneResolver('.', ZONE),
    deliveryPort: net.port,
    outboundTls: 'none',
    policy: { retryMin: 50, retryMax: 200 },
    minFreeBytes: 0,
    log: silentLogger,
    ...extra,
  });
  cleanup.push(() => relay.close());
  return { relay, net, org };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the relay', () => {
  it('queues, answers 250 with the queue id, and delivers by MX (the next one when the first is down)', async () => {
    const { relay, net } = await setup();
    const out = await send(relay.server.address.port, 'a@example.org', ['b@example.net'], testMessage('m1'));
    expect(out.result?.data?.code).toBe(250);
    expect(out.result?.data?.lines.join(' ')).toMatch(/queued as [0-9a-z]{9}\.[0-9a-f]{12}/);
    await until(() => net.received.length === 1);
    const got = net.received[0];
    expect(got?.from).toBe('a@example.org');
    expect(got?.to).toEqual(['b@example.net']);
    expect(got?.data.toString()).toMatch(/^Received: from client\.test \(/);
    expect(got?.data.toString()).toContain('by relay.test');
    expect(got?.data.toString()).toMatch(/\r\n\r\nbody of m1\r\n$/);
    await until(() => relay.scheduler.stats().queued === 0);
    expect(await relay.queue.list()).toEqual([]);
  });

  it('retries a server that answers 451 for a while, then delivers once', async () => {
    const { relay, net } = await setup();
    net.answer = (n) => (n <= 2 ? reply(451, '4.3.0', 'try later') : undefined);
    await send(relay.server.address.port, 'a@example.org', ['b@example.net'], testMessage('m2'));
    await until(() => net.received.length === 1);
    expect(net.counts.get('<m2@example.org>')).toBe(1);
    await until(() => relay.scheduler.stats().queued === 0);
    expect(relay.scheduler.stats().deferred).toBeGreaterThanOrEqual(2);
  });

  it('retries a server that answers 421 at the greeting, then delivers', async () => {
    const { relay, net } = await setup();
    // Until the first two connections are turned away, the real sink is not there.
    await net.close();
    let turnedAway = 0;
    const busy = createServer((s) => {
      turnedAway++;
      s.end('421 4.3.2 busy, try later\r\n');
    });
    await new Promise<void>((r) => busy.listen(net.port, '127.0.0.3', () => r()));
    cleanup.push(() => new Promise<void>((r) => busy.close(() => r())));
    await send(relay.server.address.port, 'a@example.org', ['b@example.net'], testMessage('m421'));
    await until(() => turnedAway >= 2);
    await new Promise<void>((r) => busy.close(() => r()));
    const back = await startSink('127.0.0.3', net.port);
    cleanup.push(() => back.close());
    await until(() => back.received.length === 1);
    expect(back.counts.get('<m421@example.org>')).toBe(1);
    expect(relay.scheduler.stats().deferred).toBeGreaterThanOrEqual(2);
  });

  it('bounces a 550 to the sender: a multipart/report DSN arrives at the sender domain', async () => {
    const { relay, net, org } = await setup();
    net.rcpt = (to) => (to.startsWith('nobody') ? reply(550, '5.1.1', 'no such user') : undefined);
    await send(
      relay.server.address.port,
      'a@example.org',
      ['nobody@example.net'],
      testMessage('m3', 'nobody@example.net'),
    );
    await until(() => org.received.length === 1);
    const dsn = org.received[0];
    expect(dsn?.from).toBe('');
    expect(dsn?.to).toEqual(['a@example.org']);
    const root = parseMessage(dsn?.data as Buffer).root;
    const report = root.parts.find((p) => p.type === 'multipart/report') ?? root;
    expect(report.type).toBe('multipart/report');
    expect(Buffer.from(report.parts[1]?.body ?? []).toString()).toMatch(
      /Final-Recipient: rfc822;nobody@example\.net\r\nAction: failed\r\nStatus: 5\.1\.1\r\nRemote-MTA: dns;mx2\.example\.net\r\nDiagnostic-Code: smtp;550 5\.1\.1 no such user/,
    );
    expect(net.received).toEqual([]);
  });

  it('is not an open relay: clients outside the allow list are refused at RCPT', async () => {
    const { relay } = await setup({ allowClient: (a) => a === '127.0.0.9' });
    const out = await send(relay.server.address.port, 'a@example.org', ['b@example.net'], testMessage('m4'));
    expect(out.result?.recipients[0]?.reply.code).toBe(554);
    expect(out.result?.data).toBeUndefined();
    expect(await relay.queue.list()).toEqual([]);
  });

  it('answers 452 when the spool is short of space, and keeps nothing', async () => {
    const { relay } = await setup({ minFreeBytes: Number.MAX_SAFE_INTEGER });
    const out = await send(relay.server.address.port, 'a@example.org', ['b@example.net'], testMessage('m5'));
    expect(out.failure?.reply?.code ?? out.result?.mail.code).toBe(452);
    expect(await relay.queue.list()).toEqual([]);
  });

  it('delivers what was queued before a restart', async () => {
    const first = await setup();
    await first.net.close();
    await send(first.relay.server.address.port, 'a@example.org', ['b@example.net'], testMessage('m6'));
    await first.relay.close();
    const net = await startSink('127.0.0.3', first.net.port);
    cleanup.push(() => net.close());
    const relay = await startRelay({
      spool: dir,
      host: '127.0.0.1',
      port: 0,
      hostname: 'relay.test',
      resolver: zoneResolver('.', ZONE),
      deliveryPort: net.port,
      outboundTls: 'none',
      minFreeBytes: 0,
      log: silentLogger,
    });
    cleanup.push(() => relay.close());
    relay.scheduler.flush();
    await until(() => net.received.length === 1);
    expect(net.counts.get('<m6@example.org>')).toBe(1);
  });
});

describe('the relay with a store', () => {
  it('expands aliases of hosted domains (forwards too) and refuses unknown users at RCPT', {
    timeout: 60_000,
  }, async () => {
    const { openStore } = await import('../../src/store/index.js');
    const storeDir = mkdtempSync(join(tmpdir(), 'poste-relay-store-'));
    cleanup.push(async () => rmSync(storeDir, { recursive: true, force: true }));
    const store = await openStore(storeDir, { create: true });
    await store.addDomain('example.net', { mxHost: 'mx2.example.net' });
    await store.addUser('b@example.net', 'secret');
    await store.addAlias('list@example.net', ['b@example.net', 'c@example.org']);
    const { relay, net, org } = await setup({ store });
    const out = await send(
      relay.server.address.port,
      'a@example.org',
      ['list@example.net'],
      testMessage('m7', 'list@example.net'),
    );
    expect(out.result?.data?.code).toBe(250);
    await until(() => net.received.length === 1 && org.received.length === 1);
    expect(net.received[0]?.to).toEqual(['b@example.net']);
    expect(org.received[0]?.to).toEqual(['c@example.org']);
    const unknown = await send(
      relay.server.address.port,
      'a@example.org',
      ['nobody@example.net'],
      testMessage('m8'),
    );
    expect(unknown.result?.recipients[0]?.reply.code).toBe(550);
  });
});
