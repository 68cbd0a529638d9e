import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { poste } from '../helpers/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'poste-spam-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HAM =
  'From: Ada <ada@example.org>\r\nTo: team@example.org\r\nSubject: Minutes of the meeting\r\n\r\n' +
  'The agenda for Tuesday: review the parser, then lunch.\r\nCheers, Ada\r\n';

describe('poste spam classify', () => {
  it('prepends the fields and passes the email through unchanged, byte for byte', () => {
    const email = Buffer.from(`${HAM}\r\n8-bit: caf\xe9\r\n`, 'latin1');
    const r = poste(['spam', 'classify'], email);
    expect(r.status).toBe(0);
    const text = r.stdout.toString('latin1');
    expect(text).toMatch(
      /^X-Spam-Status: No, verdict=(ham|unsure) score=0\.\d{4} required=0\.50 model=[0-9a-f]{12}\r\n/,
    );
    expect(text).toMatch(/\r\nX-Spam-Score: 0\.\d{4}\r\nX-Spam-Flag: NO\r\n/);
    const added = text.indexOf('From: Ada');
    expect(r.stdout.subarray(added).equals(email)).toBe(true);
  });

  it('keeps LF line ends and an mbox From line first', () => {
    const email = Buffer.from(`From ada@example.org Thu Jan  1 00:00:00 2026\n${HAM.replace(/\r\n/g, '\n')}`);
    const r = poste(['spam', 'classify'], email);
    const text = r.stdout.toString('latin1');
    expect(text).toMatch(
      /^From ada@example\.org .*\nX-Spam-Status: .*\nX-Spam-Score: .*\nX-Spam-Flag: NO\nFrom: Ada/,
    );
    expect(text.includes('\r')).toBe(false);
  });

  it('streams a large email through whole', () => {
    const big = Buffer.concat([Buffer.from(HAM), Buffer.alloc(3 << 20, 'abc def ghi\r\n')]);
    const r = poste(['spam', 'classify'], big);
    expect(r.status).toBe(0);
    expect(r.stdout.subarray(r.stdout.indexOf('From: Ada')).equals(big)).toBe(true);
  });

  it('says spam for GTUBE with exit 1, and --json prints the verdict alone', () => {
    const gtube = `${HAM}XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n`;
    const r = poste(['spam', 'classify'], gtube);
    expect(r.status).toBe(1);
    expect(r.stdout.toString()).toMatch(
      /^X-Spam-Status: Yes, verdict=spam score=1\.0000 .*\r\nX-Spam-Score: 1\.0000\r\nX-Spam-Flag: YES\r\n/,
    );
    const j = poste(['spam', 'classify', '--json'], gtube);
    expect(j.status).toBe(1);
    expect(JSON.parse(j.stdout.toString())).toEqual({ verdict: 'spam', score: 1 });
  });

  it('classifies files in one process, one JSON line each; 66 for a missing file', () => {
    const a = join(tmp, 'a.eml');
    const b = join(tmp, 'b.eml');
    writeFileSync(a, HAM);
    writeFileSync(b, `${HAM}XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n`);
    const r = poste(['spam', 'classify', '--json', a, b]);
    expect(r.status).toBe(1);
    const lines = r.stdout
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ file: a, verdict: expect.stringMatching(/^(ham|unsure)$/) });
    expect(lines[1]).toEqual({ file: b, verdict: 'spam', score: 1 });
    const m = poste(['spam', 'classify', '--json', a, join(tmp, 'nope.eml')]);
    expect(m.status).toBe(66);
    expect(m.stdout.toString().trim().split('\n')).toHaveLength(1);
  });

  it('refuses a file that is not a model with exit 65', () => {
    const bad = join(tmp, 'bad.model');
    writeFileSync(bad, 'not a model');
    const r = poste(['spam', 'classify', '--model', bad], HAM);
    expect(r.status).toBe(65);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('poste spam train and eval', () => {
  const words = ['invoice', 'meeting', 'parser', 'lunch', 'review', 'release', 'budget', 'draft'];
  const junk = ['viagra', 'casino', 'winner', 'prize', 'cheap', 'pills', 'bonus', 'crypto'];
  const corpus = (dir: string, pool: string[], n: number, subject: string) => {
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < n; i++) {
      const body = Array.from({ length: 12 }, (_, k) => pool[(i * 3 + k * 5) % pool.length]).join(' ');
      writeFileSync(join(dir, `${i}.eml`), `Subject: ${subject} ${i}\r\n\r\n${body}\r\n`);
    }
  };
  const ham = join(tmp, 'ham');
  const spam = join(tmp, 'spam');
  corpus(ham, words, 20, 'notes');
  corpus(spam, junk, 20, 'offer');
  const model = join(tmp, 'tiny.model');

  it('trains a model that classify then uses', () => {
    const t = poste(['spam', 'train', '--ham', ham, '--spam', spam, '--model', model]);
    expect(t.status).toBe(0);
    expect(t.stderr).toMatch(/trained 20 hams and 20 spams/);
    expect(readFileSync(model).subarray(0, 4).toString()).toBe('PSPM');
    const s = poste(
      ['spam', 'classify', '--model', model],
      'Subject: offer\r\n\r\ncheap pills casino winner\r\n',
    );
    expect(s.status).toBe(1);
    expect(s.stdout.toString()).toMatch(/^X-Spam-Status: Yes, verdict=spam/);
    const h = poste(['spam', 'classify', '--model', model], 'Subject: notes\r\n\r\nbudget review draft\r\n');
    expect(h.status).toBe(0);
    expect(h.stdout.toString()).toMatch(/^X-Spam-Status: No, verdict=ham/);
  });

  it('trains incrementally on top of an existing model unless --new', () => {
    poste(['spam', 'train', '--ham', ham, '--spam', spam, '--model', model, '-q']);
    const r = poste(['spam', 'train', '--ham', ham, '--spam', spam, '--model', model]);
    expect(r.stderr).toMatch(/model: \d+ hams/);
    const n = Number(/model: (\d+) hams/.exec(r.stderr)?.[1]);
    expect(n).toBeGreaterThanOrEqual(60);
    const fresh = poste(['spam', 'train', '--new', '--ham', ham, '--spam', spam, '--model', model]);
    expect(Number(/model: (\d+) hams/.exec(fresh.stderr)?.[1])).toBeLessThan(n);
  });

  it('cross-validates with deterministic folds, in text and JSON', () => {
    const j = poste([
      'spam',
      'eval',
      '--ham',
      ham,
      '--spam',
      spam,
      '--folds',
      '4',
      '--seed',
      'x',
      '--json',
      '-q',
    ]);
    expect(j.status).toBe(0);
    const out = JSON.parse(j.stdout.toString());
    expect(out.overall.total).toBe(40);
    expect(out.perFold).toHaveLength(4);
    expect(out.overall.accuracy).toBe(1);
    const again = poste([
      'spam',
      'eval',
      '--ham',
      ham,
      '--spam',
      spam,
      '--folds',
      '4',
      '--seed',
      'x',
      '--json',
      '-q',
    ]);
    expect(again.stdout.equals(j.stdout)).toBe(true);
    const text = poste(['spam', 'eval', '--ham', ham, '--spam', spam, '-q']);
    expect(text.stdout.toString()).toMatch(/accuracy\s+100\.00%[\s\S]*true ham/);
  });

  it('exit 64 without --spam, 66 for a missing folder', () => {
    expect(poste(['spam', 'train', '--ham', ham, '--model', model]).status).toBe(64);
    expect(poste(['spam', 'eval', '--ham', ham, '--spam', join(tmp, 'none')]).status).toBe(66);
  });
});
