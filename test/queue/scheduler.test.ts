// The scheduler against scripted transports and routes, on a real spool in a temp dir:
// delivery, retries with backoff, next-MX fallback, DSNs on failure, expiry and delay,
// never a DSN to the null sender.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mime/index.js';
import {
  DeliveryScheduler,
  MailQueue,
  type QueueEnvelope,
  type RouteHost,
  type RouteResult,
  type SchedulerOptions,
  type TransportRequest as SourceRequest,
  type TransportResult,
} from '../../src/queue/index.js';
import { readAll } from '../../src/smtp/index.js';

/** A request as the scripted transports see it: the message read from its source. */
type TransportRequest = Omit<SourceRequest, 'message'> & { message: Buffer };
type Transport = (req: TransportRequest) => Promise<TransportResult>;

const MESSAGE = Buffer.from(
  'From: a@example.org\r\nTo: b@example.net\r\nSubject: hello\r\nMessage-ID: <1@example.org>\r\n\r\nHi.\r\n',
);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'poste-sched-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const twoHosts: RouteResult = {
  kind: 'hosts',
  hosts: [
    { host: 'mx1.example.net', address: '127.0.0.2', port: 25 },
    { host: 'mx2.example.net', address: '127.0.0.3', port: 25 },
  ],
};

async function setup(transport: Transport, extra: Partial<SchedulerOptions> = {}) {
  const queue = new MailQueue(dir, { fsync: false });
  await queue.open();
  let now = 1_700_000_000_000;
  const events: [string, Record<string, unknown>][] = [];
  const sched = new DeliveryScheduler({
    queue,
    // The scheduler hands a source read from the spool; it is read here, while it is open.
    transport: async (req) => transport({ ...req, message: Buffer.from(await readAll(req.message)) }),
    route: async () => twoHosts,
    hostname: 'relay.example.org',
    policy: { retryMin: 1000, retryMax: 8000, lifetime: 100_000, delayWarning: 50_000 },
    now: () => now,
    random: () => 0.5,
    log: (e, f) => events.push([e, f]),
    ...extra,
  });
  await sched.start();
  const advance = async (ms: number) => {
    now += ms;
    sched.poll();
    await sched.idle();
  };
  return { queue, sched, events, advance, clock: () => now };
}

function envelope(from: string, ...to: string[]): QueueEnvelope {
  return { from, recipients: to.map((address) => ({ address })), arrived: 1_700_000_000_000 };
}

const ok = (req: Pick<TransportRequest, 'recipients'>) => ({
  kind: 'done' as const,
  recipients: Object.fromEntries(req.recipients.map((r) => [r, { code: 250, text: 'OK' }])),
  data: { code: 250, enhanced: '2.0.0', text: 'queued' },
});

describe('the delivery scheduler', () => {
  it('delivers and removes the message', async () => {
    const sent: TransportRequest[] = [];
    const { queue, sched } = await setup(async (req) => {
      sent.push(req);
      return ok(req);
    });
    sched.add(await queue.enqueue(envelope('a@example.org', 'b@example.net'), MESSAGE));
    await sched.idle();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.host).toBe('mx1.example.net');
    expect(sent[0]?.message.equals(MESSAGE)).toBe(true);
    expect(await queue.list()).toEqual([]);
    expect(sched.stats().delivered).toBe(1);
  });

  it('falls back to the next MX when one is down', async () => {
    const tried: string[] = [];
    const { queue, sched } = await setup(async (req) => {
      tried.push(req.address);
      return req.address === '127.0.0.2' ? { kind: 'unreachable', reason: 'ECONNREFUSED' } : ok(req);
    });
    sched.add(await queue.enqueue(envelope('a@example.org', 'b@example.net'), MESSAGE));
    await sched.idle();
    expect(tried).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(await queue.list()).toEqual([]);
  });

  it('retries 4xx with growing delays, then delivers', async () => {
    let calls = 0;
    const { queue, sched, advance, clock } = await setup(async (req) => {
      calls++;
      if (calls <= 3) return { kind: 'refused', reply: { code: 451, enhanced: '4.3.0', text: 'later' } };
      return ok(req);
    });
    sched.add(await queue.enqueue(envelope('a@example.org', 'b@example.net'), MESSAGE));
    await sched.idle();
    // Both hosts said 451: one attempt, two calls.
    expect(calls).toBe(2);
    const [m] = await queue.list();
    expect(m?.status.attempts).toBe(1);
    expect(m?.status.nextAttempt).toBe(clock() + 1000);
    await advance(999);
    expect(calls).toBe(2);
    await advance(1);
    expect(calls).toBe(4);
    expect(await queue.list()).toEqual([]);
  });

  it('bounces a 550 to the sender as a multipart/report DSN, and never bounces a bounce', async () => {
    const sent: TransportRequest[] = [];
    const { queue, sched } = await setup(async (req) => {
      sent.push(req);
      if (req.from === '')
        return { kind: 'refused', reply: { code: 550, enhanced: '5.1.1', text: 'no such user' } };
      return {
        kind: 'done',
        recipients: { [req.recipients[0] as string]: { code: 550, enhanced: '5.1.1', text: 'no such user' } },
      };
    });
    sched.add(await queue.enqueue(envelope('a@example.org', 'nobody@example.net'), MESSAGE));
    await sched.idle();
    // The original, then the DSN to a@example.org from <>, which fails too and is dropped.
    expect(sent.map((s) => [s.from, s.recipients])).toEqual([
      ['a@example.org', ['nobody@example.net']],
      ['', ['a@example.org']],
    ]);
    const dsn = parseMessage(sent[1]?.message as Buffer).root;
    expect(dsn.type).toBe('multipart/report');
    expect(dsn.params['report-type']).toBe('delivery-status');
    expect(dsn.parts.map((p) => p.type)).toEqual([
      'text/plain',
      'message/delivery-status',
      'text/rfc822-headers',
    ]);
    const status = String(sent[1]?.message.toString('latin1'));
    expect(status).toMatch(/report-type=delivery-status/);
    expect(status).toMatch(
      /Final-Recipient: rfc822;nobody@example\.net\r\nAction: failed\r\nStatus: 5\.1\.1/,
    );
    expect(status).toMatch(/Diagnostic-Code: smtp;550 5\.1\.1 no such user/);
    expect(status).toMatch(/Content-Type: text\/rfc822-headers\r\n\r\nFrom: a@example\.org/);
    expect(await queue.list()).toEqual([]);
    expect(sched.stats()).toMatchObject({ bounced: 2, dsns: 1 });
  });

  it('records each recipient: delivered ones are not sent again', async () => {
    const sent: string[][] = [];
    let round = 0;
    const { queue, sched, advance } = await setup(async (req) => {
      sent.push(req.recipients);
      round++;
      return {
        kind: 'done',
        recipients: Object.fromEntries(
          req.recipients.map((r) => [
            r,
            r.startsWith('b') || round > 1 ? { code: 250, text: 'OK' } : { code: 452, text: 'full' },
          ]),
        ),
        data: { code: 250, text: 'OK' },
      };
    });
    sched.add(await queue.enqueue(envelope('a@example.org', 'b@example.net', 'c@example.net'), MESSAGE));
    await sched.idle();
    const [m] = await queue.list();
    expect(m?.status.recipients['b@example.net']?.state).toBe('delivered');
    expect(m?.status.recipients['c@example.net']?.state).toBe('pending');
    await advance(1000);
    expect(sent).toEqual([['b@example.net', 'c@example.net'], ['c@example.net']]);
    expect(await queue.list()).toEqual([]);
  });

  it('sends one delay notice, then expires with a failure DSN', async () => {
    const dsns: string[] = [];
    const { queue, sched, advance } = await setup(async (req) => {
      if (req.from === '') {
        dsns.push(Buffer.from(req.message).toString('latin1'));
        return ok(req);
      }
      return { kind: 'unreachable', reason: 'ECONNREFUSED' };
    });
    sched.add(await queue.enqueue(envelope('a@example.org', 'b@example.net'), MESSAGE));
    await sched.idle();
    for (let i = 0; i < 30 && (await queue.list()).length > 0; i++) await advance(8000);
    expect(dsns).toHaveLength(2);
    expect(dsns[0]).toMatch(/Action: delayed/);
    expect(dsns[0]).toMatch(/Will-Retry-Until:/);
    expect(dsns[1]).toMatch(/Action: failed\r\nStatus: 4\.4\.7/);
    expect(await queue.list()).toEqual([]);
  });

  it('honours NOTIFY=NEVER and gives no DSN for the null sender', async () => {
    const froms: string[] = [];
    const fail = async (req: TransportRequest) => {
      froms.push(req.from);
      return { kind: 'refused' as const, reply: { code: 554, text: 'no' } };
    };
    const { queue, sched, events } = await setup(fail);
    sched.add(
      await queue.enqueue(
        { from: 'a@example.org', recipients: [{ address: 'b@example.net', notify: ['NEVER'] }], arrived: 1 },
        MESSAGE,
      ),
    );
    sched.add(await queue.enqueue(envelope('', 'b@example.net'), MESSAGE));
    await sched.idle();
    expect(froms).toEqual(['a@example.org', '']);
    expect(
      events
        .filter(([e]) => e === 'no-dsn')
        .map(([, f]) => f.reason)
        .sort(),
    ).toEqual(['NOTIFY', 'null sender']);
    expect(await queue.list()).toEqual([]);
  });

  it('fails recipients of a domain without mail at once', async () => {
    const { queue, sched } = await setup(async (req) => ok(req), {
      route: async (d) =>
        d === 'nomail.example' ? { kind: 'permanent', reason: 'null MX', status: '5.1.10' } : twoHosts,
    });
    sched.add(await queue.enqueue(envelope('a@example.org', 'x@nomail.example'), MESSAGE));
    await sched.idle();
    expect(sched.stats()).toMatchObject({ bounced: 1, dsns: 1, delivered: 1 });
    expect(await queue.list()).toEqual([]);
  });

  it('leaves held messages alone until released', async () => {
    let calls = 0;
    const { queue, sched } = await setup(async (req) => {
      calls++;
      return ok(req);
    });
    await sched.stop();
    const m = await queue.enqueue(envelope('a@example.org', 'b@example.net'), MESSAGE);
    await queue.hold(m.id);
    const again = new DeliveryScheduler({
      queue,
      transport: async (req) => {
        calls++;
        return ok(req);
      },
      route: async () => twoHosts,
      hostname: 'relay.example.org',
    });
    await again.start();
    await again.idle();
    expect(calls).toBe(0);
    expect(again.stats()).toMatchObject({ held: 1, queued: 0 });
    await queue.release(m.id);
    await again.rescan();
    await again.idle();
    expect(calls).toBe(1);
    await again.stop();
  });

  it('retries a backlog each at its own time, none twice, and flush brings all forward', async () => {
    const tried = new Map<string, number>();
    const { queue, sched, advance } = await setup(
      async (req) => {
        const to = req.recipients[0] as string;
        tried.set(to, (tried.get(to) ?? 0) + 1);
        // The first try of each is refused; r0..r99 are refused once more.
        const refuse =
          tried.get(to) === 1 || (tried.get(to) === 2 && Number(to.slice(1, to.indexOf('@'))) < 100);
        return refuse ? { kind: 'refused', reply: { code: 451, text: 'later' } } : ok(req);
      },
      { route: async () => ({ kind: 'hosts', hosts: [twoHosts.hosts[0] as RouteHost] }) },
    );
    for (let i = 0; i < 300; i++)
      sched.add(await queue.enqueue(envelope('a@example.org', `r${i}@example.net`), MESSAGE));
    await sched.idle();
    expect(tried.size).toBe(300);
    expect(sched.stats()).toMatchObject({ queued: 300, deferred: 300 });
    // Not yet due: nothing is tried again.
    await advance(999);
    expect([...tried.values()].every((n) => n === 1)).toBe(true);
    await advance(1);
    expect(sched.stats()).toMatchObject({ queued: 100, delivered: 200 });
    // The hundred left wait their 2 s; a flush sends them now, each once.
    sched.flush();
    await sched.idle();
    expect(sched.stats()).toMatchObject({ queued: 0, delivered: 300 });
    expect([...tried.values()].reduce((a, b) => a + b, 0)).toBe(300 + 300 + 100);
    expect(await queue.list()).toEqual([]);
  });

  it('notices at a rescan what was held, released, deleted or spooled by another process', async () => {
    const tried: string[] = [];
    const { queue, sched, advance } = await setup(
      async (req) => {
        tried.push(req.recipients[0] as string);
        return tried.filter((t) => t === req.recipients[0]).length === 1
          ? { kind: 'refused', reply: { code: 451, text: 'later' } }
          : ok(req);
      },
      { route: async () => ({ kind: 'hosts', hosts: [twoHosts.hosts[0] as RouteHost] }) },
    );
    const a = await queue.enqueue(envelope('a@example.org', 'a@example.net'), MESSAGE);
    const b = await queue.enqueue(envelope('a@example.org', 'b@example.net'), MESSAGE);
    sched.add(a);
    sched.add(b);
    await sched.idle();
    expect(sched.stats()).toMatchObject({ queued: 2, held: 0 });
    await queue.hold(a.id);
    await queue.remove(b.id);
    // Spooled by another process (the relay's previous run, say): not known yet.
    const other = new MailQueue(dir, { fsync: false });
    const c = await other.enqueue(envelope('a@example.org', 'c@example.net'), MESSAGE);
    await sched.rescan();
    await sched.idle();
    expect(sched.stats()).toMatchObject({ queued: 1, held: 1 });
    // a and b are tried together: in either order.
    expect([...tried].sort()).toEqual(['a@example.net', 'b@example.net', 'c@example.net']);
    expect(tried.at(-1)).toBe('c@example.net');
    await advance(2000);
    expect(tried.at(-1)).toBe('c@example.net');
    expect(sched.stats()).toMatchObject({ queued: 0, held: 1 });
    await queue.release(a.id);
    await sched.rescan();
    sched.flush();
    await sched.idle();
    expect(tried.at(-1)).toBe('a@example.net');
    expect(sched.stats()).toMatchObject({ queued: 0, held: 0 });
    expect((await queue.list()).map((m) => m.id)).toEqual([]);
    expect(c.id).toBeTruthy();
  });

  it('keeps to the per-destination and overall concurrency limits', async () => {
    let now = 0;
    let max = 0;
    const perDomain = new Map<string, number>();
    let maxPerDomain = 0;
    const transport: Transport = async (req) => {
      const d = req.recipients[0]?.split('@')[1] as string;
      now++;
      perDomain.set(d, (perDomain.get(d) ?? 0) + 1);
      max = Math.max(max, now);
      maxPerDomain = Math.max(maxPerDomain, perDomain.get(d) as number);
      await new Promise((r) => setTimeout(r, 5));
      now--;
      perDomain.set(d, (perDomain.get(d) as number) - 1);
      return ok(req);
    };
    const { queue, sched } = await setup(transport, { concurrency: 4, perDestination: 2 });
    for (let i = 0; i < 12; i++)
      sched.add(await queue.enqueue(envelope('a@example.org', `r${i}@d${i % 3}.example`), MESSAGE));
    await sched.idle();
    expect(sched.stats().delivered).toBe(12);
    expect(max).toBeLessThanOrEqual(4);
    expect(maxPerDomain).toBeLessThanOrEqual(2);
    expect(max).toBeGreaterThan(1);
  });
});
