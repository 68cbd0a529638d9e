// `poste queue` on a spool as the relay leaves it: list (text and JSON), show, hold,
// release, flush with no relay running, delete; clear errors for a missing spool or id.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailQueue } from '../../src/queue/index.js';
import { poste } from '../helpers/run-cli.js';

let spool: string;
let id: string;

beforeAll(async () => {
  spool = mkdtempSync(join(tmpdir(), 'poste-queue-cli-'));
  const q = new MailQueue(spool, { fsync: false });
  await q.open();
  const m = await q.enqueue(
    { from: 'ada@example.org', recipients: [{ address: 'bob@example.net' }], arrived: 1_700_000_000_000 },
    Buffer.from('Subject: queued\r\n\r\nHello.\r\n'),
  );
  id = m.id;
  await q.writeStatus(id, {
    attempts: 2,
    nextAttempt: 1_800_000_000_000,
    recipients: { 'bob@example.net': { state: 'pending', lastReply: '451 4.3.0 try later' } },
  });
});
afterAll(() => rmSync(spool, { recursive: true, force: true }));

describe('poste queue', () => {
  it('lists the queue as text and JSON', () => {
    const text = poste(['queue', 'list', '--spool', spool]);
    expect(text.status).toBe(0);
    expect(text.stdout.toString()).toContain(
      `${id}  27 octets  2023-11-14T22:13:20.000Z  <ada@example.org>  2 attempts`,
    );
    expect(text.stdout.toString()).toContain('pending   <bob@example.net>: 451 4.3.0 try later');
    const json = JSON.parse(poste(['queue', 'list', '--spool', spool, '--json']).stdout.toString());
    expect(json).toMatchObject([
      { id, folder: 'queue', attempts: 2, recipients: [{ address: 'bob@example.net', state: 'pending' }] },
    ]);
  });

  it('shows one message, its header, and the message itself', () => {
    const show = poste(['queue', 'show', '--spool', spool, id]);
    expect(show.stdout.toString()).toMatch(
      /^id: [^\n]*\narrived: [^\n]*\nsender: <ada@example\.org>\n[\s\S]*Subject: queued\r\n$/,
    );
    expect(poste(['queue', 'show', '--spool', spool, '--message', id]).stdout.toString()).toBe(
      'Subject: queued\r\n\r\nHello.\r\n',
    );
  });

  it('holds, releases, flushes and deletes', async () => {
    expect(poste(['queue', 'hold', '--spool', spool, id]).stdout.toString()).toBe(`${id}: held\n`);
    expect(poste(['queue', 'list', '--spool', spool]).stdout.toString()).toContain('(held)');
    expect(poste(['queue', 'release', '--spool', spool, id, '--json']).stdout.toString()).toBe(
      `${JSON.stringify({ release: [id], relayNotified: false })}\n`,
    );
    expect(poste(['queue', 'flush', '--spool', spool]).stdout.toString()).toBe(
      'no relay is running; 1 message will be tried when it starts\n',
    );
    expect((await new MailQueue(spool).get(id)).status.nextAttempt).toBeUndefined();
    expect(poste(['queue', 'delete', '--spool', spool, id]).stdout.toString()).toBe(`${id}: deleted\n`);
    expect(poste(['queue', 'list', '--spool', spool]).stdout.toString()).toBe('the queue is empty\n');
  });

  it('says clearly when the spool or the message is not there', () => {
    const none = poste(['queue', 'list', '--spool', join(spool, 'nope')]);
    expect([none.status, none.stderr]).toEqual([
      66,
      expect.stringMatching(/^poste queue list: --spool .*: not a spool \(/),
    ]);
    const missing = poste(['queue', 'show', '--spool', spool, '0000000aa.000000000000']);
    expect([missing.status, missing.stderr]).toEqual([
      66,
      'poste queue show: no message 0000000aa.000000000000 in the queue\n',
    ]);
    const noId = poste(['queue', 'hold', '--spool', spool]);
    expect(noId.status).toBe(64);
  });
});
