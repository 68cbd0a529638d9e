// The whole system end to end on loopback (issue 13): the demo path, an alias forwarding to
// the other domain, an unknown user, a receiving side that is down then back, a permanent
// failure whose DSN reaches the sender's maildir, never an open relay, and `stack up`
// restarting only what is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crash, mailbox, message, stackUp, submit, type TestStack, toReceiver, until } from './helpers.js';

let t: TestStack;
beforeAll(() => {
  t = stackUp();
}, 180_000);
afterAll(() => t?.down(), 60_000);

const text = (b: Buffer) => b.toString('utf8');

describe('poste stack', { timeout: 120_000 }, () => {
  it('is up: status says every service is healthy', () => {
    const r = t.run('stack', 'status', '--data', t.dir, '--json');
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s.services).sort()).toEqual(
      ['acme', 'filter', 'primary', 'receiver', 'relay', 'resolver', 'signer', 'submission'].sort(),
    );
    for (const v of Object.values(s.services) as { healthy: boolean }[]) expect(v.healthy).toBe(true);
  });

  it('delivers from one domain to the other: signed, authenticated, classified', async () => {
    const out = await submit(
      t,
      'ada@alpha.test',
      ['bob@beta.test'],
      message('ada@alpha.test', 'bob@beta.test', 'demo-1'),
    );
    expect(out.tls).toBe(true);
    expect(out.result?.data?.code).toBe(250);
    await until(() => mailbox(t, 'bob@beta.test').some((m) => text(m).includes('<demo-1@stack.test>')));
    const got = text(
      mailbox(t, 'bob@beta.test').find((m) => text(m).includes('<demo-1@stack.test>')) as Buffer,
    );
    expect(got).toMatch(/^Return-Path: <ada@alpha\.test>\r\nDelivered-To: bob@beta\.test\r\n/);
    expect(got).toMatch(/^X-Spam-Status: (Yes|No), /m);
    const ar = /^Authentication-Results: mx\.stack\.test;[\s\S]*?\r\n(?=\S)/m.exec(got)?.[0] ?? '';
    expect(ar).toMatch(/spf=pass/);
    expect(ar).toMatch(/dkim=pass header\.d=alpha\.test[^;]*header\.a=rsa-sha256/);
    expect(ar).toMatch(/dkim=pass header\.d=alpha\.test[^;]*header\.a=ed25519-sha256/);
    expect(ar).toMatch(/dmarc=pass/);
    expect(got.match(/^DKIM-Signature: /gm)).toHaveLength(2);
  });

  it('expands an alias across the two domains: one copy in each mailbox', async () => {
    // team@beta.test → bob@beta.test and ada@alpha.test; both domains are hosted here, so
    // both copies are local deliveries (forwards outside go ARC-sealed through the relay:
    // test/services/filter.test.ts).
    const out = await toReceiver(
      t,
      'carol@outside.example',
      ['team@beta.test'],
      message('carol@outside.example', 'team@beta.test', 'team-1'),
    );
    expect(out.result?.data?.code).toBe(250);
    for (const who of ['ada@alpha.test', 'bob@beta.test'])
      await until(
        () => mailbox(t, who).some((m) => text(m).includes('<team-1@stack.test>')),
        30_000,
        `the copy for ${who}`,
      );
    const ada = text(
      mailbox(t, 'ada@alpha.test').find((m) => text(m).includes('<team-1@stack.test>')) as Buffer,
    );
    expect(ada).toMatch(/^Return-Path: <carol@outside\.example>\r\nDelivered-To: ada@alpha\.test\r\n/);
    expect(mailbox(t, 'bob@beta.test').filter((m) => text(m).includes('<team-1@stack.test>'))).toHaveLength(
      1,
    );
  });

  it('refuses an unknown user at RCPT, and relaying for a domain it does not host', async () => {
    const unknown = await toReceiver(
      t,
      'carol@outside.example',
      ['nobody@beta.test'],
      message('carol@outside.example', 'nobody@beta.test', 'x-1'),
    );
    expect(unknown.result?.recipients[0]?.reply.code).toBe(550);
    const relay = await toReceiver(
      t,
      'carol@outside.example',
      ['someone@example.com'],
      message('carol@outside.example', 'someone@example.com', 'x-2'),
    );
    expect(relay.result?.recipients[0]?.reply.code).toBeGreaterThanOrEqual(500);
    expect(relay.result?.data).toBeUndefined();
  });

  it('sends a DSN to the sender when a recipient does not exist', async () => {
    const out = await submit(
      t,
      'ada@alpha.test',
      ['nobody@beta.test'],
      message('ada@alpha.test', 'nobody@beta.test', 'bounce-1'),
    );
    expect(out.result?.data?.code).toBe(250);
    await until(
      () =>
        mailbox(t, 'ada@alpha.test').some(
          (m) => /multipart\/report/.test(text(m)) && text(m).includes('bounce-1'),
        ),
      60_000,
      'the DSN',
    );
    const dsn = text(
      mailbox(t, 'ada@alpha.test').find(
        (m) => text(m).includes('bounce-1') && /multipart\/report/.test(text(m)),
      ) as Buffer,
    );
    expect(dsn).toMatch(/^Return-Path: <>\r\n/);
    expect(dsn).toMatch(/Final-Recipient: rfc822;nobody@beta\.test\r\nAction: failed\r\nStatus: 5\.1\.1/);
  });

  it('queues while the receiving side is down, and delivers once `stack up` has restarted it (and only it)', async () => {
    const before = t.stack().services;
    crash(t, 'receiver');
    await until(
      () => {
        try {
          process.kill(before.receiver.pid as number, 0);
          return false;
        } catch {
          return true;
        }
      },
      10_000,
      'the receiver to die',
    );
    const out = await submit(
      t,
      'ada@alpha.test',
      ['bob@beta.test'],
      message('ada@alpha.test', 'bob@beta.test', 'down-1'),
    );
    expect(out.result?.data?.code).toBe(250);
    const queued = t.run('queue', 'list', '--spool', `${t.dir}/spool`, '--json');
    expect(JSON.parse(queued.stdout).length).toBeGreaterThanOrEqual(1);
    const up = t.run('stack', 'up', '--data', t.dir, '--detach');
    expect(up.status).toBe(0);
    expect(up.stdout).toMatch(/^started: receiver$/m);
    const after = t.stack().services;
    for (const name of ['primary', 'resolver', 'relay', 'filter', 'signer', 'submission', 'acme'] as const)
      expect(after[name].pid).toBe(before[name].pid);
    // The relay retries on its own (2 s, doubling); SIGUSR2 asks it to try now.
    process.kill(after.relay.pid as number, 'SIGUSR2');
    await until(
      () => mailbox(t, 'bob@beta.test').some((m) => text(m).includes('<down-1@stack.test>')),
      60_000,
      'the queued message',
    );
  });
});
