// Hostile input: the caps bound the work (asserted by the caps being hit, not by a clock) and
// the memory (the tokenizer keeps no more than its caps allow).
import { describe, expect, it } from 'vitest';
import { createTokenizer, DEFAULT_TOKENIZER_LIMITS, tokenize } from '../../src/spam/index.js';

const MB = 1 << 20;

describe('tokenizer caps', () => {
  it('reads at most maxBytes of a 50 MB email and stops asking for more', () => {
    const t = createTokenizer();
    const head = Buffer.from('Subject: big\r\nContent-Type: text/plain\r\n\r\n');
    expect(t.update(head)).toBe(true);
    const chunk = Buffer.from('lorem ipsum dolor sit amet consectetur '.repeat(1700)); // ~64 KiB
    const heapBefore = process.memoryUsage().heapUsed;
    let fed = head.length;
    let refused = 0;
    while (fed < 50 * MB) {
      if (!t.update(chunk)) refused++;
      fed += chunk.length;
    }
    const r = t.finish();
    expect(r.capped.bytes).toBe(true);
    expect(r.bytesRead).toBe(DEFAULT_TOKENIZER_LIMITS.maxBytes);
    expect(refused).toBeGreaterThan(700);
    expect(r.tokens).toContain('size:capped');
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * MB);
  });

  it('keeps at most maxTokens of an email with a million distinct words', () => {
    const words: string[] = [];
    for (let i = 0; i < 1_000_000; i++) words.push(`w${i.toString(36)}x`);
    const email = Buffer.from(`Subject: many\r\n\r\n${words.join(' ')}`);
    expect(email.length).toBeGreaterThan(6 * MB);
    // Byte caps lifted, so the token cap is the one that bounds the work.
    const r = tokenize(email, { maxBytes: 64 * MB, maxPartBytes: 64 * MB });
    expect(r.capped.tokens).toBe(true);
    expect(r.capped.bytes).toBe(false);
    expect(r.tokens.length).toBe(DEFAULT_TOKENIZER_LIMITS.maxTokens);
    // With the default caps, the part cap comes first.
    const d = tokenize(email);
    expect(d.capped.bytes || d.capped.partBytes).toBe(true);
    expect(d.tokens.length).toBeLessThanOrEqual(DEFAULT_TOKENIZER_LIMITS.maxTokens);
  });

  it('does not tokenize binary attachments and bounds a binary text part', () => {
    const random = Buffer.alloc(3 * MB);
    for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
    const email = Buffer.concat([
      Buffer.from(
        'Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: application/octet-stream\r\n' +
          'Content-Transfer-Encoding: base64\r\n\r\n',
      ),
      Buffer.from(
        random
          .subarray(0, 256 * 1024)
          .toString('base64')
          .replace(/.{76}/g, '$&\r\n'),
      ),
      Buffer.from('\r\n--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'),
      random,
      Buffer.from('\r\n--zz--\r\n'),
    ]);
    const r = tokenize(email);
    expect(r.capped.partBytes || r.capped.bytes).toBe(true);
    expect(r.tokens.length).toBeLessThanOrEqual(DEFAULT_TOKENIZER_LIMITS.maxTokens);
    expect(r.tokens).toContain('type:application/octet-stream');
  });
});
