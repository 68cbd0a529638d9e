// Sending a message that is not in memory: the SMTP client writes a source's chunks one after
// the other (dot-stuffed across the cuts), the shape of a message is found from chunks cut
// anywhere as from the whole, and the spool hands a message out of its file a chunk at a time,
// unharmed by a hold (a rename) meanwhile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MailQueue } from '../../src/queue/index.js';
import { deliver } from '../../src/services/smtp-client/index.js';
import { type MessageSource, readAll, ShapeScanner, scanMessage, scanSource } from '../../src/smtp/index.js';
import { addr, startSink } from './mail-helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A source over the pieces of `bytes` cut at `cuts`, counting how many chunks were read. */
function cutSource(bytes: Buffer, cuts: number[]): MessageSource & { read: number } {
  const at = [0, ...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length];
  const src = {
    size: bytes.length,
    read: 0,
    shape: () => scanSource(src),
    async *chunks() {
      for (let i = 0; i + 1 < at.length; i++) {
        src.read++;
        yield bytes.subarray(at[i], at[i + 1]);
      }
    },
  };
  return src;
}

describe('the SMTP client with a message source', () => {
  it('writes the chunks one after the other, dot-stuffed across the cuts', async () => {
    const sink = await startSink('127.0.0.1');
    cleanups.push(() => sink.close());
    // Lines that start with a dot, some right at a cut.
    const lines = [
      'From: a@example.org',
      'To: b@example.net',
      'Subject: dots',
      'Message-ID: <dots@example.org>',
      '',
    ];
    for (let i = 0; i < 3000; i++) lines.push(i % 3 === 0 ? `.line ${i} starts with a dot` : `line ${i}`);
    const message = Buffer.from(`${lines.join('\r\n')}\r\n`);
    const cuts: number[] = [];
    for (let p = message.indexOf('\r\n.'); p >= 0; p = message.indexOf('\r\n.', p + 1))
      if (cuts.length < 50) cuts.push(p + 2, p + 1); // after the CRLF, and between CR and LF
    for (let p = 997; p < message.length; p += 4093) cuts.push(p);
    const source = cutSource(message, cuts);
    const out = await deliver({
      host: '127.0.0.1',
      port: sink.port,
      tls: 'none',
      hostname: 'client.test',
      from: addr('a@example.org'),
      recipients: [addr('b@example.net')],
      message: source,
      timeoutMs: 10_000,
    });
    expect(out.result?.data?.code).toBe(250);
    expect(source.read).toBeGreaterThan(50);
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]?.data.equals(message)).toBe(true);
  });

  it('finds the shape from chunks cut anywhere as scanMessage does from the whole', () => {
    const byte = fc.constantFrom(0x0d, 0x0a, 0x61, 0x20, 0x80, 0xe9);
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 120 }), fc.array(fc.nat(200)), (bytes, cuts) => {
        const all = Uint8Array.from(bytes);
        const s = new ShapeScanner();
        let from = 0;
        for (const c of [...cuts.map((c) => Math.min(c, all.length)).sort((a, b) => a - b), all.length]) {
          if (!s.push(all.subarray(from, c))) break;
          from = c;
        }
        expect(s.shape).toEqual(scanMessage(all));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('a spooled message as a source', () => {
  it('reads the message a chunk at a time, whatever happens to the file’s name meanwhile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poste-source-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const queue = new MailQueue(dir, { fsync: false });
    await queue.open();
    const body = Buffer.alloc(300_000, 'abcdefgh\r\n');
    const message = Buffer.concat([
      Buffer.from('From: a@example.org\r\nSubject: caf\u00e9\r\n\r\n', 'utf8'),
      body,
    ]);
    const m = await queue.enqueue(
      { from: 'a@example.org', recipients: [{ address: 'b@example.net' }], arrived: 1_700_000_000_000 },
      message,
    );
    const source = await queue.source(m.id);
    try {
      await queue.hold(m.id); // renamed into hold/: the open file is still the message
      expect(source.size).toBe(message.length);
      let chunks = 0;
      for await (const c of source.chunks()) {
        chunks++;
        expect(c.length).toBeLessThanOrEqual(64 * 1024);
      }
      expect(chunks).toBe(Math.ceil(message.length / (64 * 1024)));
      expect(Buffer.from(await readAll(source)).equals(message)).toBe(true);
      expect(await source.shape()).toEqual({ eightBit: false, utf8Header: true });
    } finally {
      await source.close();
    }
  });
});
