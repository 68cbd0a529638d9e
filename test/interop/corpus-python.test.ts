// Generated corpora read by Python's email package (policy.default):
// - 1,000 generated messages give the same tree, decoded headers and decoded part bytes as
//   `poste descr --json`;
// - wild messages, re-encoded by poste, are valid: Python finds no defect in them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateMessages } from '../../src/corpus/index.js';
import { type describeHeaders, parseMessage, reencode } from '../../src/mime/index.js';
import { repoRoot } from '../helpers/run-cli.js';
import { compareTrees, describeBytes, type PyPart, unclosed } from './compare.js';
import { requirePeer, runPython } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'poste-corpus-py-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface PyResult {
  file: string;
  root?: PyPart;
  headers?: ReturnType<typeof describeHeaders>;
  defects?: string[];
  error?: string;
}

function pythonDescribe(files: string[]): Map<string, PyResult> {
  const out = new Map<string, PyResult>();
  for (const line of runPython(join(repoRoot, 'test/interop/py/describe.py'), files.join('\n'))
    .trim()
    .split('\n')) {
    const r = JSON.parse(line) as PyResult;
    out.set(r.file, r);
  }
  return out;
}

/**
 * Where Python's email departs from the RFCs on valid input, compare modulo that
 * departure, and count how often it happened (printed, so it stays visible):
 * - display names: Python keeps the white space between adjacent encoded words, which
 *   RFC 2047 §6.2 says to drop (so "=?utf-8?q?Ab?= =?utf-8?q?c?=" is "Abc", Python "Ab c");
 * - Subject: when the value starts on a continuation line, Python keeps the folding white
 *   space as a leading space of the text (RFC 5322 §2.2.3: it is folding, not text);
 * - addr-spec: Python prints a local part like a..b without the quotes RFC 5322 §3.4.1
 *   needs ("a..b"@x is not a dot-atom); compare the unquoted local parts.
 */
const quirks: Record<string, number> = {};
const noted = (k: string) => {
  quirks[k] = (quirks[k] ?? 0) + 1;
  return true;
};
const unquoteLocal = (addr: string) => {
  const at = addr.lastIndexOf('@');
  const local = addr.slice(0, at);
  return local.startsWith('"') && local.endsWith('"') && local.length > 1
    ? `${local.slice(1, -1).replace(/\\(.)/g, '$1')}${addr.slice(at)}`
    : addr;
};
function sameMailboxes(
  ours: { name: string; address: string }[],
  theirs: { name: string; address: string }[],
): boolean {
  if (ours.length !== theirs.length) return false;
  return ours.every((m, i) => {
    const t = theirs[i] as { name: string; address: string };
    const addressOk =
      m.address === t.address || (unquoteLocal(m.address) === t.address && noted('unquoted local part'));
    const nameOk =
      m.name === t.name ||
      (m.name === t.name.replace(/\s+/g, (ws, at) => (/\s/.test(m.name[at] ?? '') ? ws : '')) &&
        noted('space between encoded words')) ||
      (m.name.replace(/\s/g, '') === t.name.replace(/\s/g, '') && noted('space between encoded words'));
    return addressOk && nameOk;
  });
}

describe('generated corpus vs Python email', () => {
  if (!requirePeer('/usr/bin/python3')) return;

  it('1,000 messages: same tree, decoded headers and decoded bytes', () => {
    const files: string[] = [];
    let i = 0;
    for (const m of generateMessages(1000, 20261129)) {
      const f = join(dir, `g${i++}.eml`);
      writeFileSync(f, m);
      files.push(f);
    }
    const py = pythonDescribe(files);
    const mismatches: string[] = [];
    for (const f of files) {
      const theirs = py.get(f);
      const ours = describeBytes(readFileSync(f));
      if (!theirs?.root || !theirs.headers) {
        mismatches.push(`${f}: python: ${theirs?.error}`);
        continue;
      }
      const diffs = compareTrees(ours.root, theirs.root, unclosed(ours.defects));
      const h = ours.headers;
      const ph = theirs.headers;
      const subjectOk =
        h.subject === ph.subject ||
        (h.subject === ph.subject?.replace(/^\s+/, '') && noted('folded start of Subject'));
      if (!subjectOk) diffs.push(`subject: ${JSON.stringify(h.subject)} | ${JSON.stringify(ph.subject)}`);
      for (const k of ['from', 'to', 'cc'] as const) {
        if (!sameMailboxes(h[k], ph[k] as { name: string; address: string }[]))
          diffs.push(`${k}: ${JSON.stringify(h[k])} | ${JSON.stringify(ph[k])}`);
      }
      if (h.date !== ph.date) diffs.push(`date: ${h.date} | ${ph.date}`);
      if (h.messageId !== ph.messageId) diffs.push(`message-id: ${h.messageId} | ${ph.messageId}`);
      if (diffs.length) mismatches.push(`${f}\n    ${diffs.slice(0, 5).join('\n    ')}`);
    }
    process.stderr.write(
      `generated vs Python: ${files.length - mismatches.length}/${files.length} agree; Python quirks tolerated: ${JSON.stringify(quirks)}\n`,
    );
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it('wild messages re-encoded by poste are valid for Python', () => {
    const files: string[] = [];
    let i = 0;
    for (const m of generateMessages(300, 7, { wild: true })) {
      expect(() => parseMessage(m)).not.toThrow();
      const f = join(dir, `w${i++}.eml`);
      writeFileSync(f, reencode(m).bytes);
      files.push(f);
    }
    const py = pythonDescribe(files);
    const defective = files
      .filter((f) => (py.get(f)?.defects?.length ?? 1) > 0)
      .map((f) => `${f}: ${py.get(f)?.defects?.join(', ') ?? py.get(f)?.error}`);
    expect(defective.slice(0, 10)).toEqual([]);
  });
});
