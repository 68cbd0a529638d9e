// The spool's files: what a crash can leave and what start-up does with it, state changes
// by rename, corrupt files set aside, and the envelope and status codecs (property tests).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mime/index.js';
import {
  buildDsn,
  type DeliveryStatus,
  formatEnvelope,
  formatStatus,
  MailQueue,
  parseEnvelope,
  parseStatus,
  type QueueEnvelope,
  retryDelay,
  SpoolFormatError,
} from '../../src/queue/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'poste-spool-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const env: QueueEnvelope = { from: 'a@example.org', recipients: [{ address: 'b@example.net' }], arrived: 5 };
const MSG = Buffer.from('Subject: x\r\n\r\nbody\r\n');

describe('the spool', () => {
  it('keeps a message whole and gives it back without the envelope line', async () => {
    const q = new MailQueue(dir);
    await q.open();
    const inc = await q.begin(env);
    await inc.write(MSG.subarray(0, 5));
    await inc.write(MSG.subarray(5));
    const m = await inc.commit();
    expect(readdirSync(join(dir, 'incoming'))).toEqual([]);
    expect((await q.message(m.id)).equals(MSG)).toBe(true);
    expect((await q.header(m.id)).toString()).toBe('Subject: x\r\n');
    expect(await q.list()).toMatchObject([{ id: m.id, folder: 'queue', size: MSG.length, envelope: env }]);
  });

  it('sweeps at start what a crash left: unacknowledged files and status without a message', async () => {
    const q = new MailQueue(dir, { fsync: false });
    await q.open();
    const kept = await q.enqueue(env, MSG);
    const crashed = await q.begin(env);
    await crashed.write(MSG); // never committed: the client never got 250
    writeFileSync(join(dir, 'status', '0000000aa.000000000000.json'), '{}');
    expect(await new MailQueue(dir).open()).toEqual({ incoming: 1, orphanStatus: 1 });
    expect((await q.list()).map((m) => m.id)).toEqual([kept.id]);
    await crashed.abort(); // the file is gone already: this closes what the crash left open
  });

  it('moves a corrupt file aside and goes on', async () => {
    const q = new MailQueue(dir, { fsync: false });
    await q.open();
    const good = await q.enqueue(env, MSG);
    writeFileSync(join(dir, 'queue', '0000000aa.000000000001'), 'not json\nbody');
    const bad: string[] = [];
    expect((await q.list((id) => bad.push(id))).map((m) => m.id)).toEqual([good.id]);
    expect(bad).toEqual(['0000000aa.000000000001']);
    expect(readdirSync(join(dir, 'corrupt'))).toEqual(['0000000aa.000000000001']);
  });

  it('reads an envelope line of any length up to 1 MiB, and a file without one is corrupt', async () => {
    const q = new MailQueue(dir, { fsync: false });
    await q.open();
    // 3,000 recipients: an envelope line of about 100 KB, past the first reads.
    const many: QueueEnvelope = {
      ...env,
      recipients: Array.from({ length: 3000 }, (_, i) => ({ address: `recipient-number-${i}@example.net` })),
    };
    const big = Buffer.alloc(3 << 20, 'x'); // a message far longer than what is read for the envelope
    const m = await q.enqueue(many, big);
    const [listed] = await q.list();
    expect(listed?.envelope.recipients).toHaveLength(3000);
    expect(listed?.size).toBe(big.length);
    const src = await q.source(m.id);
    try {
      expect(src.size).toBe(big.length);
    } finally {
      await src.close();
    }
    writeFileSync(join(dir, 'queue', '0000000aa.000000000002'), Buffer.alloc((1 << 20) + 10, 'y'));
    const bad: string[] = [];
    expect((await q.list((id) => bad.push(id))).map((x) => x.id)).toEqual([m.id]);
    expect(bad).toEqual(['0000000aa.000000000002']);
  });

  it('holds, releases, records state and removes', async () => {
    const q = new MailQueue(dir, { fsync: false });
    await q.open();
    const m = await q.enqueue(env, MSG);
    await q.hold(m.id);
    expect((await q.get(m.id)).folder).toBe('hold');
    await expect(q.hold(m.id)).rejects.toThrow(/not in queue/);
    await q.release(m.id);
    const status: DeliveryStatus = {
      attempts: 2,
      nextAttempt: 99,
      recipients: { 'b@example.net': { state: 'pending', lastReply: '451 later' } },
    };
    await q.writeStatus(m.id, status);
    expect((await q.get(m.id)).status).toEqual(status);
    await q.remove(m.id);
    expect(await q.list()).toEqual([]);
    expect(readdirSync(join(dir, 'status'))).toEqual([]);
    await expect(q.get(m.id)).rejects.toThrow(/no message/);
    await expect(q.get('../etc/passwd')).rejects.toThrow(/not a queue id/);
  });

  it('opens an existing spool left by an older run', async () => {
    mkdirSync(join(dir, 'queue'), { recursive: true });
    const q = new MailQueue(dir);
    await q.open();
    expect(await q.list()).toEqual([]);
  });
});

const address = fc.tuple(fc.stringMatching(/^[a-z0-9._+-]{1,20}$/), fc.domain()).map(([l, d]) => `${l}@${d}`);
const envelopeArb: fc.Arbitrary<QueueEnvelope> = fc.record(
  {
    from: fc.oneof(fc.constant(''), address),
    recipients: fc.array(
      fc.record(
        {
          address,
          notify: fc.subarray(['SUCCESS', 'FAILURE', 'DELAY'] as const, { minLength: 1 }),
          orcpt: fc.string(),
        },
        { requiredKeys: ['address'] },
      ),
      { minLength: 1, maxLength: 5 },
    ),
    arrived: fc.nat(),
    client: fc.string(),
    helo: fc.string(),
    ret: fc.constantFrom('FULL' as const, 'HDRS' as const),
    envid: fc.string(),
    smtputf8: fc.boolean(),
    eightBit: fc.boolean(),
  },
  { requiredKeys: ['from', 'recipients', 'arrived'] },
);

describe('the spool codecs', () => {
  it('envelope: format then parse is the identity, on one line', () => {
    fc.assert(
      fc.property(envelopeArb, (e) => {
        const line = formatEnvelope(e);
        expect(line.indexOf('\n')).toBe(line.length - 1);
        expect(parseEnvelope(line.slice(0, -1))).toEqual(e);
      }),
    );
  });

  it('envelope and status parsers reject anything else with a SpoolFormatError, never another error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        for (const parse of [parseEnvelope, parseStatus]) {
          try {
            parse(text);
          } catch (e) {
            expect(e).toBeInstanceOf(SpoolFormatError);
          }
        }
      }),
    );
  });

  it('status: format then parse is the identity', () => {
    const state = fc.oneof(
      fc.record(
        { state: fc.constant('pending' as const), lastReply: fc.string() },
        { requiredKeys: ['state'] },
      ),
      fc.record({
        state: fc.constant('delivered' as const),
        reply: fc.string(),
        host: fc.string(),
        at: fc.nat(),
      }),
      fc.record({
        state: fc.constant('failed' as const),
        reply: fc.string(),
        at: fc.nat(),
        status: fc.constantFrom('5.1.1', '4.4.7'),
      }),
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            attempts: fc.nat(),
            nextAttempt: fc.nat(),
            lastAttempt: fc.nat(),
            warned: fc.boolean(),
            reported: fc.array(address),
            recipients: fc.dictionary(address, state),
          },
          { requiredKeys: ['attempts', 'recipients'] },
        ),
        (s) => {
          expect(parseStatus(formatStatus(s as DeliveryStatus))).toEqual(s);
        },
      ),
    );
  });

  it('a DSN is a well-formed multipart/report for any envelope', () => {
    fc.assert(
      fc.property(envelopeArb, fc.string(), (e, diagnostic) => {
        const dsn = buildDsn({
          envelope: { ...e, from: e.from || 'x@example.org' },
          recipients: e.recipients.map((recipient) => ({
            recipient,
            action: 'failed',
            status: '5.0.0',
            diagnostic,
          })),
          originalHeader: Buffer.from('Subject: s\r\n'),
          reportingMta: 'relay.example.org',
          now: 0,
          random: (n) => new Uint8Array(n).fill(7),
        });
        const { root, defects } = parseMessage(dsn);
        expect(defects).toEqual([]);
        expect(root.type).toBe('multipart/report');
        expect(root.parts).toHaveLength(3);
        const status = Buffer.from(root.parts[1]?.body ?? []).toString('utf8');
        expect(status.match(/^Final-Recipient:/gm)).toHaveLength(e.recipients.length);
      }),
    );
  });

  it('retry delays grow, are capped, and stay within the jitter', () => {
    const p = { retryMin: 1000, retryMax: 60_000, lifetime: 0, delayWarning: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (n, r) => {
          const d = retryDelay(n, p, () => r);
          const base = Math.min(60_000, 1000 * 2 ** (n - 1));
          expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.75));
          expect(d).toBeLessThanOrEqual(Math.ceil(base * 1.25));
        },
      ),
    );
  });
});
