// The crafting pipe, read by independent parsers: `poste make | make wrap | make put` must
// give an email that Python's email package and mblaze's mshow parse to the same tree as
// poste does, with the attachment's bytes identical.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pipe, poste, repoRoot } from '../helpers/run-cli.js';
import { compareTrees, describeBytes, type PyPart } from './compare.js';
import { requirePeer, runPython } from './helpers.js';

const png = join(repoRoot, 'scripts/demo/poste.png');
const note = join(repoRoot, 'scripts/demo/note.txt');
const dir = mkdtempSync(join(tmpdir(), 'poste-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function craft(name: string, extra: string[][] = []): string {
  const email = pipe([
    [
      'make',
      '--from',
      'Zoë <zoe@example.org>',
      '--to',
      'Ada <ada@example.net>',
      '--subject',
      'Привет — a pipe',
      '--seed',
      name,
      note,
    ],
    ['make', 'wrap', '--mixed', '--seed', name],
    ['make', 'put', '--type', 'image/png', png],
    ...extra,
  ]).stdout;
  const file = join(dir, `${name}.eml`);
  writeFileSync(file, email);
  return file;
}

describe('Python email reads what poste crafts', () => {
  if (!requirePeer('/usr/bin/python3')) return;
  it('gives the same tree and the same decoded bytes', () => {
    const files = [
      craft('plain'),
      craft('two-attachments', [['make', 'put', '--name', 'Überblick.txt', note]]),
    ];
    const lines = runPython(join(repoRoot, 'test/interop/py/describe.py'), files.join('\n'))
      .trim()
      .split('\n');
    for (const [i, line] of lines.entries()) {
      const py = JSON.parse(line) as { root: PyPart };
      const ours = describeBytes(readFileSync(files[i] as string));
      expect(ours.defects).toEqual([]);
      expect(compareTrees(ours.root, py.root, false)).toEqual([]);
    }
    // The attachment Python decodes is the file, byte for byte.
    const py = JSON.parse(lines[0] as string) as { root: PyPart };
    const sha = spawnSync('sha256sum', [png]).stdout.toString().split(' ')[0];
    expect(py.root.parts?.[1]?.sha256).toBe(sha);
  });
});

describe('mblaze mshow reads what poste crafts', () => {
  if (!requirePeer('mshow')) return;
  it('lists the same parts, and extracts the attachment identical', () => {
    const file = craft('mshow', [['make', 'put', '--name', 'notes.txt', note]]);
    const tree = spawnSync('mshow', ['-t', file]).stdout.toString('utf8');
    // "  1: multipart/mixed size=…", "    2: text/plain size=…", …
    const types = [...tree.matchAll(/^\s*(\d+): (\S+)/gm)].map((m) => m[2]);
    const ours = describeBytes(readFileSync(file)).root;
    const flat: string[] = [];
    const walk = (p: typeof ours) => {
      flat.push(p.type);
      for (const c of p.parts ?? []) walk(c);
    };
    walk(ours);
    expect(types).toEqual(flat);
    expect(tree).toContain('name="poste.png"');
    const extracted = spawnSync('mshow', ['-O', file, '3']).stdout;
    expect(extracted.equals(readFileSync(png))).toBe(true);
    // And the Subject decodes the same way in mblaze's mhdr and in poste hdr.
    const mhdr = spawnSync('mhdr', ['-d', '-h', 'subject', file]).stdout.toString('utf8');
    expect(mhdr).toBe(poste(['hdr', 'Subject'], readFileSync(file)).stdout.toString('utf8'));
  });
});
