import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/mime/index.js';
import { pipe, poste, repoRoot } from '../helpers/run-cli.js';

const png = join(repoRoot, 'scripts/demo/poste.png');
const MAKE = [
  'make',
  '--from',
  'Zoë Tester <zoe@example.org>',
  '--to',
  'you@example.net',
  '--subject',
  'Héllo wörld — a test',
  '--date',
  '2026-01-02T03:04:05+01:00',
  '--seed',
  't',
];

function crafted(): Buffer {
  return pipe(
    [MAKE, ['make', 'wrap', '--mixed', '--seed', 't'], ['make', 'put', '--type', 'image/png', png]],
    'Bonjour\nça va?\n',
  ).stdout;
}

describe('poste make', () => {
  it('writes a strict email: CRLF, encoded words, a chosen encoding', () => {
    const r = poste(MAKE, 'Bonjour\nça va?\n');
    expect(r.status).toBe(0);
    const text = r.stdout.toString('latin1');
    expect(text).toMatch(/^Date: Fri, 2 Jan 2026 03:04:05 \+0100\r\n/);
    expect(text).toContain('From: =?');
    expect(text).toContain('Subject: =?');
    expect(text).toContain('Content-Transfer-Encoding: quoted-printable\r\n');
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    for (const line of text.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    const { root } = parseMessage(r.stdout);
    expect(root.header.get('message-id')).toMatch(/^<.+@example\.org>$/);
  });

  it('is reproducible with --seed', () => {
    expect(poste(MAKE, 'x').stdout.equals(poste(MAKE, 'x').stdout)).toBe(true);
  });

  it('refuses an invalid address with exit 64 and one line', () => {
    const r = poste(['make', '--from', 'not an address', '--to', 'a@b.c'], 'x');
    expect(r.status).toBe(64);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('From');
  });

  it('exit 66 for a missing body file, 64 for an unknown flag', () => {
    expect(poste(['make', '--from', 'a@b.c', '/nonexistent/file']).status).toBe(66);
    const r = poste(['make', '--frm', 'a@b.c'], 'x');
    expect(r.status).toBe(64);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('make | make wrap | make put', () => {
  it('yields a multipart/mixed whose attachment comes back identical', () => {
    const email = crafted();
    const { root, defects } = parseMessage(email);
    expect(defects).toEqual([]);
    expect(root.type).toBe('multipart/mixed');
    expect(root.parts.map((p) => p.type)).toEqual(['text/plain', 'image/png']);
    expect(root.header.get('subject')).toContain('=?');
    const out = poste(['extract', '--part', '2'], email);
    expect(out.status).toBe(0);
    expect(out.stdout.equals(readFileSync(png))).toBe(true);
    expect(poste(['extract', '--part', '1'], email).stdout.toString('utf8')).toBe('Bonjour\r\nça va?\r\n');
  });

  it('make put on a message that is not multipart exits 65', () => {
    const r = poste(['make', 'put', png], poste(MAKE, 'x').stdout);
    expect(r.status).toBe(65);
    expect(r.stderr).toContain('not multipart');
  });
});

describe('poste descr', () => {
  it('prints the documented JSON shape', () => {
    const r = poste(['descr', '--json'], crafted());
    expect(r.status).toBe(0);
    const d = JSON.parse(r.stdout.toString('utf8'));
    expect(d.headers).toEqual({
      subject: 'Héllo wörld — a test',
      from: [{ name: 'Zoë Tester', address: 'zoe@example.org' }],
      to: [{ name: '', address: 'you@example.net' }],
      cc: [],
      date: '2026-01-02T02:04:05.000Z',
      messageId: expect.stringMatching(/@example\.org$/),
    });
    expect(d.root.type).toBe('multipart/mixed');
    expect(d.root.parts[1]).toMatchObject({
      type: 'image/png',
      encoding: 'base64',
      disposition: 'attachment',
      filename: 'poste.png',
      size: readFileSync(png).length,
    });
    expect(d.root.parts[1].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(d.defects).toEqual([]);
  });

  it('describes garbage without failing', () => {
    const garbage = Buffer.alloc(10_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 31 + 7) & 0xff;
    const r = poste(['descr'], garbage);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('poste hdr and addr', () => {
  it('decodes header values; exit 1 when absent', () => {
    const email = crafted();
    expect(poste(['hdr', 'Subject'], email).stdout.toString('utf8')).toBe('Héllo wörld — a test\n');
    expect(poste(['hdr', 'X-Nope'], email).status).toBe(1);
  });

  it('lists addresses', () => {
    const r = poste(['addr'], crafted());
    expect(r.stdout.toString('utf8')).toBe('Zoë Tester <zoe@example.org>\nyou@example.net\n');
    expect(poste(['addr', '-a'], crafted()).stdout.toString('utf8')).toBe(
      'zoe@example.org\nyou@example.net\n',
    );
  });
});

describe('poste extract', () => {
  it('exit 1 for a missing part, 64 for a malformed path', () => {
    expect(poste(['extract', '--part', '9'], crafted()).status).toBe(1);
    expect(poste(['extract', '--part', 'x.y'], crafted()).status).toBe(64);
  });
});

describe('unknown commands', () => {
  it('exit 64 with one line naming the commands', () => {
    const r = poste(['nope']);
    expect(r.status).toBe(64);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('make wrap');
  });
});

describe('help', () => {
  it('every command has --help with an example', () => {
    for (const cmd of [
      ['make'],
      ['make', 'wrap'],
      ['make', 'put'],
      ['descr'],
      ['hdr'],
      ['addr'],
      ['extract'],
    ]) {
      const r = poste([...cmd, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout.toString('utf8')).toContain('EXAMPLES');
    }
  });
});
