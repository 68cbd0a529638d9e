import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitMbox } from '../../src/corpus/index.js';
import { poste } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'poste-corpus-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const files = (d: string) =>
  readdirSync(d)
    .sort()
    .map((f) => readFileSync(join(d, f)));

describe('poste corpus generate', () => {
  it('writes the same bytes for the same seed, whatever the threads', () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    expect(
      poste(['corpus', 'generate', '--count', '40', '--seed', '5', '--out', a, '--threads', '1', '--quiet'])
        .status,
    ).toBe(0);
    expect(
      poste(['corpus', 'generate', '--count', '40', '--seed', '5', '--out', b, '--threads', '2', '--quiet'])
        .status,
    ).toBe(0);
    const fa = files(a);
    expect(fa).toHaveLength(40);
    expect(fa.every((x, i) => x.equals(files(b)[i] as Buffer))).toBe(true);
  });

  it('writes mbox and maildir holding the same messages', () => {
    const m = join(dir, 'm');
    const md = join(dir, 'md');
    poste(['corpus', 'generate', '--count', '40', '--seed', '5', '--out', m, '--format', 'mbox', '--quiet']);
    poste([
      'corpus',
      'generate',
      '--count',
      '40',
      '--seed',
      '5',
      '--out',
      md,
      '--format',
      'maildir',
      '--quiet',
    ]);
    const fromMbox = [...splitMbox(readFileSync(join(m, 'corpus.mbox')))];
    const eml = files(join(dir, 'a'));
    // mbox lines end with a line break: a message without a final one gains it.
    const withFinalLf = (x: Buffer) => (x[x.length - 1] === 0x0a ? x : Buffer.concat([x, Buffer.from('\n')]));
    expect(fromMbox.map((x) => Buffer.from(x).toString('latin1'))).toEqual(
      eml.map((x) => withFinalLf(x).toString('latin1')),
    );
    expect(files(join(md, 'new')).map((x) => x.toString('latin1'))).toEqual(
      eml.map((x) => x.toString('latin1')),
    );
  });
});

describe('poste corpus roundtrip', () => {
  it('round-trips a folder (eml, maildir, mbox) with 0 failures', () => {
    for (const sub of ['a', 'md', 'm']) {
      const r = poste(['corpus', 'roundtrip', join(dir, sub), '--quiet', '--failures', join(dir, 'fail')]);
      expect(r.status).toBe(0);
      expect(r.stdout.toString()).toMatch(/^40 messages, 0 failures/);
    }
  });

  it('round-trips generated and wild messages, with a JSON summary', () => {
    for (const extra of [[], ['--wild']]) {
      const r = poste([
        'corpus',
        'roundtrip',
        '--generate',
        '60',
        '--seed',
        '9',
        ...extra,
        '--json',
        '--quiet',
        '--failures',
        join(dir, 'fail'),
      ]);
      expect(r.status).toBe(0);
      const s = JSON.parse(r.stdout.toString());
      expect(s).toMatchObject({ messages: 60, failures: 0 });
      expect(Object.keys(s.kinds).length).toBeGreaterThan(0);
    }
  });

  it('usage errors: neither or both of a folder and --generate (64); a missing folder (66)', () => {
    expect(poste(['corpus', 'roundtrip', '--quiet']).status).toBe(64);
    expect(poste(['corpus', 'roundtrip', dir, '--generate', '5', '--quiet']).status).toBe(64);
    const r = poste(['corpus', 'roundtrip', join(dir, 'nope'), '--quiet']);
    expect(r.status).toBe(66);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
