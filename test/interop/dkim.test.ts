// poste's DKIM against python3-dkim (dkimpy) and Mail::DKIM (libmail-dkim-perl), both ways:
// what poste signs they verify, what they sign poste verifies, over generated messages and a
// sample of the MIME corpus, in every canonicalization pair, with RSA-2048 and Ed25519 keys
// made by `poste dkim keygen` (Mail::DKIM 1.20230212 has no Ed25519: RSA only there). The
// peers read the key records through their DNS hooks, poste through a resolver over the same
// records (in process) and `--zone` (the CLI leg). Tampered copies of every signed message
// (a body byte changed, a From added at the top or at the bottom of the header, From and
// Subject swapped) must pass or fail in poste exactly when they do in each peer.
//
// OpenDKIM is the third peer, in dkim-opendkim.test.ts (its filter's test mode, DNS from our primary).
//
// Where a peer reads RFC 6376 otherwise, the test checks the difference as it is (so a change
// on either side shows) and poste against the other peer:
/**
 * Mail::DKIM 1.20230212, simple body canonicalization of a body that does not end in CRLF:
 * it hashes the body as it is, where RFC 6376 §3.4.3 adds the CRLF ("If there is no body or
 * no trailing CRLF on the message body, a CRLF is added"), as poste and dkimpy do. Mail::DKIM
 * and the others then fail each other's signatures of such messages.
 */
const MAIL_DKIM_NO_CRLF = 'Mail::DKIM: simple body without a final CRLF';
/**
 * dkimpy verifies as if h= named From once more than it does (its fix for Debian bug
 * #644046), so a From added above the one a signature covers fails there even when the
 * signer did not over-sign From (Mail::DKIM does not). RFC 6376 §5.4.2 takes the bottom-most
 * instance, which did not change: poste and Mail::DKIM pass. (poste's own signatures
 * over-sign From, and fail everywhere.)
 */
const DKIMPY_EXTRA_FROM = 'dkimpy: From added above a From signed once';

import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMessages } from '../../src/corpus/index.js';
import { type CanonPair, signMessage, verify } from '../../src/dkim/index.js';
import { fakeResolver } from '../dkim/fake-dns.js';
import { poste } from '../helpers/run-cli.js';
import { testdataPath } from '../helpers/testdata.js';
import { filesUnder, PYTHON, requirePeer, runPython } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const PY_DRIVER = join(here, 'py', 'dkim_driver.py');
const PL_DRIVER = join(here, 'pl', 'dkim_driver.pl');
const DOMAIN = 'example.org';
const CANONS: CanonPair[] = ['simple/simple', 'simple/relaxed', 'relaxed/simple', 'relaxed/relaxed'];
const ALGS = ['rsa-sha256', 'ed25519-sha256'] as const;
type Alg = (typeof ALGS)[number];
const SELECTOR: Record<Alg, string> = { 'rsa-sha256': 'rsa', 'ed25519-sha256': 'ed' };
const CORPUS_SAMPLE = 40;
const GENERATED = 20;

const havePython = requirePeer(PYTHON) && spawnSync(PYTHON, ['-c', 'import dkim']).status === 0;
const havePerl =
  requirePeer('perl') && spawnSync('perl', ['-MMail::DKIM::Verifier', '-MNet::DNS', '-e', '1']).status === 0;

interface Signed {
  signer: 'poste' | 'python' | 'perl';
  source: string;
  canon: CanonPair;
  alg: Alg;
  msg: Buffer;
}
interface PeerVerdict {
  ok: boolean;
  error?: string;
}
type Job =
  | { op: 'verify'; msg: string }
  | { op: 'sign'; msg: string; domain: string; selector: string; key: string; alg: string; canon: string };

const crlf = (b: Buffer): Buffer => Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');

function peer(kind: 'python' | 'perl', records: Record<string, string>, jobs: Job[]): unknown[] {
  const input = JSON.stringify({ records, jobs });
  if (kind === 'python') return JSON.parse(runPython(PY_DRIVER, input));
  const r = spawnSync('perl', [PL_DRIVER], { input, maxBuffer: 1 << 28, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${PL_DRIVER} failed: ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString('utf8'));
}

/** The message sample: generated ones, and corpus messages with a From field. */
function messages(): { source: string; msg: Buffer }[] {
  const out = [...generateMessages(GENERATED, 0xd1c)].map((m, i) => ({
    source: `generated #${i}`,
    msg: crlf(Buffer.from(m)),
  }));
  // Two Subject fields (or more), for the tamper that swaps them.
  const second = out[1];
  if (second)
    out.push({
      source: 'generated #1 with two more Subject fields',
      msg: Buffer.concat([Buffer.from('Subject: the first subject\r\nSubject: the second\r\n'), second.msg]),
    });
  const dir = testdataPath('mime');
  if (dir === undefined) return out;
  const files = filesUnder(dir, /\.(eml|msg)$/i).filter(
    (f) => !f.includes('/partial/') && statSync(f).size < 256 * 1024,
  );
  // dkimpy refuses a header with a line that is neither a field nor a continuation
  // (MessageFormatError), so the sample keeps to messages with a proper header and a From.
  const wellFormed = (f: string) => {
    const text = readFileSync(f, 'latin1');
    const end = text.search(/\r?\n\r?\n/);
    if (end < 0) return false;
    const lines = text.slice(0, end).split(/\r?\n/);
    return lines.every((l) => /^[!-9;-~]+:|^[ \t]/.test(l)) && lines.some((l) => /^from:/i.test(l));
  };
  const withFrom = files.filter(wellFormed);
  const step = Math.max(1, Math.floor(withFrom.length / CORPUS_SAMPLE));
  for (let i = 0; i < withFrom.length && out.length < GENERATED + 1 + CORPUS_SAMPLE; i += step) {
    const f = withFrom[i] as string;
    out.push({ source: f.slice(dir.length + 1), msg: crlf(readFileSync(f)) });
  }
  return out;
}

/** Where the header ends: the index just after the empty line (or the end). */
function headerEnd(m: Buffer): number {
  const i = m.indexOf('\r\n\r\n');
  return i < 0 ? m.length : i + 2;
}

/** Header fields as raw slices, with their continuation lines. */
function fields(m: Buffer): { name: string; start: number; end: number }[] {
  const end = headerEnd(m);
  const out: { name: string; start: number; end: number }[] = [];
  let pos = 0;
  while (pos < end) {
    let next = m.indexOf('\r\n', pos);
    if (next < 0 || next >= end) break;
    next += 2;
    while (next < end && (m[next] === 0x20 || m[next] === 0x09)) next = m.indexOf('\r\n', next) + 2;
    const line = m.subarray(pos, next).toString('latin1');
    out.push({ name: line.slice(0, line.indexOf(':')).trim().toLowerCase(), start: pos, end: next });
    pos = next;
  }
  return out;
}

/** The message is one Mail::DKIM hashes otherwise (MAIL_DKIM_NO_CRLF) under `canon`. */
const mailDkimDiffers = (canon: CanonPair, m: Buffer): boolean =>
  canon.endsWith('/simple') && headerEnd(m) < m.length && !m.subarray(-2).equals(Buffer.from('\r\n'));

const TAMPERS: Record<string, (m: Buffer) => Buffer | undefined> = {
  'body byte': (m) => {
    const start = headerEnd(m) + 2;
    for (let i = start; i < m.length; i++) {
      const c = m[i] as number;
      if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) {
        const copy = Buffer.from(m);
        copy[i] = c === 0x78 ? 0x79 : 0x78;
        return copy;
      }
    }
    return undefined;
  },
  'From added on top': (m) => Buffer.concat([Buffer.from('From: Mallory <mallory@evil.test>\r\n'), m]),
  'From added at the bottom': (m) => {
    const end = headerEnd(m);
    if (end === m.length) return undefined;
    return Buffer.concat([
      m.subarray(0, end),
      Buffer.from('From: Mallory <mallory@evil.test>\r\n'),
      m.subarray(end),
    ]);
  },
  'From and Subject swapped': (m) => {
    const fs = fields(m);
    const from = fs.find((f) => f.name === 'from');
    const subjects = fs.filter((f) => f.name === 'subject');
    const subject = subjects[0];
    // (With two Subject fields, the swap would reorder them too.)
    if (!from || !subject || subjects.length > 1) return undefined;
    const [a, b] = from.start < subject.start ? [from, subject] : [subject, from];
    return Buffer.concat([
      m.subarray(0, a.start),
      m.subarray(b.start, b.end),
      m.subarray(a.end, b.start),
      m.subarray(a.start, a.end),
      m.subarray(b.end),
    ]);
  },
  'two Subject fields swapped': (m) => {
    const [a, b] = fields(m).filter((f) => f.name === 'subject');
    if (!a || !b) return undefined;
    return Buffer.concat([
      m.subarray(0, a.start),
      m.subarray(b.start, b.end),
      m.subarray(a.end, b.start),
      m.subarray(a.start, a.end),
      m.subarray(b.end),
    ]);
  },
};

describe.skipIf(!havePython)('DKIM interop: poste, python3-dkim, Mail::DKIM', () => {
  let dir: string;
  const pem: Partial<Record<Alg, string>> = {};
  const keyFile: Partial<Record<Alg, string>> = {};
  const records: Record<string, string> = {};
  let zoneFile: string;
  let sample: { source: string; msg: Buffer }[];
  const signed: Signed[] = [];
  const resolver = () => fakeResolver(records);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'poste-dkim-interop-'));
    let zone = '';
    for (const alg of ALGS) {
      keyFile[alg] = join(dir, `${SELECTOR[alg]}.pem`);
      const r = poste([
        'dkim',
        'keygen',
        '-a',
        alg === 'rsa-sha256' ? 'rsa-2048' : 'ed25519',
        '-s',
        SELECTOR[alg],
        '-d',
        DOMAIN,
        '-o',
        keyFile[alg],
      ]);
      expect(r.status, r.stderr).toBe(0);
      const text = r.stdout.toString();
      zone += text;
      records[`${SELECTOR[alg]}._domainkey.${DOMAIN}`] = [...text.matchAll(/"([^"]*)"/g)]
        .map((m) => m[1])
        .join('');
      pem[alg] = readFileSync(keyFile[alg], 'utf8');
    }
    zoneFile = join(dir, 'keys.zone');
    writeFileSync(zoneFile, zone);
    sample = messages();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The key in the form each peer reads. */
  function peerKey(kind: 'python' | 'perl', alg: Alg): string {
    const key = createPrivateKey(pem[alg] as string);
    if (alg === 'ed25519-sha256')
      return (key.export({ format: 'der', type: 'pkcs8' }) as Buffer).subarray(-32).toString('base64');
    if (kind === 'python') return key.export({ format: 'pem', type: 'pkcs1' }) as string;
    return (key.export({ format: 'der', type: 'pkcs1' }) as Buffer).toString('base64');
  }

  function peerSign(kind: 'python' | 'perl'): Signed[] {
    const todo: Omit<Signed, 'msg' | 'signer'>[] = [];
    const jobs: Job[] = [];
    for (const { source, msg } of sample)
      for (const canon of CANONS)
        for (const alg of ALGS) {
          if (kind === 'perl' && alg !== 'rsa-sha256') continue;
          todo.push({ source, canon, alg });
          jobs.push({
            op: 'sign',
            msg: msg.toString('base64'),
            domain: DOMAIN,
            selector: SELECTOR[alg],
            key: peerKey(kind, alg),
            alg,
            canon,
          });
        }
    const res = peer(kind, records, jobs) as { msg?: string; error?: string }[];
    const refused = res.flatMap((r, i) => (r.msg ? [] : [`${todo[i]?.source}: ${r.error}`]));
    expect(refused).toEqual([]);
    return res.map((r, i) => ({
      ...(todo[i] as Omit<Signed, 'msg' | 'signer'>),
      signer: kind,
      msg: Buffer.from(r.msg as string, 'base64'),
    }));
  }

  function peerVerify(kind: 'python' | 'perl', msgs: Buffer[]): PeerVerdict[] {
    return peer(
      kind,
      records,
      msgs.map((m) => ({ op: 'verify', msg: m.toString('base64') })),
    ) as PeerVerdict[];
  }

  const label = (s: Signed) => `${s.signer} ${s.alg} ${s.canon} ${s.source}`;

  it('uses a sample of generated and corpus messages', () => {
    expect(sample.length).toBeGreaterThanOrEqual(GENERATED);
    if (testdataPath('mime')) expect(sample.length).toBe(GENERATED + 1 + CORPUS_SAMPLE);
  });

  it('poste signs, python3-dkim and Mail::DKIM verify', () => {
    for (const { source, msg } of sample)
      for (const canon of CANONS)
        for (const alg of ALGS) {
          const out = signMessage(msg, {
            signatures: [
              { domain: DOMAIN, selector: SELECTOR[alg], key: pem[alg] as string, canonicalization: canon },
            ],
          });
          signed.push({ signer: 'poste', source, canon, alg, msg: Buffer.from(out) });
        }
    const mine = signed.filter((s) => s.signer === 'poste');
    const py = peerVerify(
      'python',
      mine.map((s) => s.msg),
    );
    expect(mine.flatMap((s, i) => (py[i]?.ok ? [] : [`${label(s)}: ${py[i]?.error}`]))).toEqual([]);
    if (havePerl) {
      const rsa = mine.filter((s) => s.alg === 'rsa-sha256');
      const pl = peerVerify(
        'perl',
        rsa.map((s) => s.msg),
      );
      // MAIL_DKIM_NO_CRLF: those fail there, the rest pass.
      expect(
        rsa.flatMap((s, i) =>
          pl[i]?.ok !== !mailDkimDiffers(s.canon, s.msg) ? [`${label(s)}: ${pl[i]?.error}`] : [],
        ),
      ).toEqual([]);
    }
  });

  it('python3-dkim signs, poste verifies', async () => {
    const theirs = peerSign('python');
    signed.push(...theirs);
    const bad: string[] = [];
    for (const s of theirs) {
      const [r] = await verify(s.msg, { resolver: resolver() });
      if (r?.result !== 'pass') bad.push(`${label(s)}: ${r?.result} ${r?.reason}`);
    }
    expect(bad).toEqual([]);
  });

  it.skipIf(!havePerl)('Mail::DKIM signs, poste verifies', async () => {
    const theirs = peerSign('perl');
    signed.push(...theirs);
    const py = peerVerify(
      'python',
      theirs.map((s) => s.msg),
    );
    const bad: string[] = [];
    let differs = 0;
    for (const [i, s] of theirs.entries()) {
      const [r] = await verify(s.msg, { resolver: resolver() });
      // MAIL_DKIM_NO_CRLF: poste fails those with a body hash mismatch, as dkimpy does.
      if (mailDkimDiffers(s.canon, s.msg)) {
        differs++;
        if (r?.result !== 'fail' || !/body hash/.test(r.reason) || py[i]?.ok !== false)
          bad.push(`${MAIL_DKIM_NO_CRLF}, ${label(s)}: poste ${r?.result} ${r?.reason}, python ${py[i]?.ok}`);
      } else if (r?.result !== 'pass') bad.push(`${label(s)}: ${r?.result} ${r?.reason}`);
    }
    expect(bad).toEqual([]);
    expect(differs).toBeLessThan(theirs.length / 10);
  });

  it('tampered messages fail in poste exactly when they fail in the peers', async () => {
    const cases: { s: Signed; tamper: string; msg: Buffer }[] = [];
    for (const s of signed)
      for (const [tamper, f] of Object.entries(TAMPERS)) {
        const msg = f(s.msg);
        if (msg) cases.push({ s, tamper, msg });
      }
    const py = peerVerify(
      'python',
      cases.map((c) => c.msg),
    );
    const rsa = cases.map((c, i) => ({ c, i })).filter(({ c }) => c.s.alg === 'rsa-sha256');
    const pl = havePerl
      ? peerVerify(
          'perl',
          rsa.map(({ c }) => c.msg),
        )
      : [];
    const plByCase = new Map(rsa.map(({ i }, j) => [i, pl[j]]));
    const disagree: string[] = [];
    const tally: Record<string, { pass: number; fail: number }> = {};
    let extraFrom = 0;
    for (const [i, c] of cases.entries()) {
      const [r] = await verify(c.msg, { resolver: resolver() });
      const mine = r?.result === 'pass';
      const odd = mailDkimDiffers(c.s.canon, c.msg);
      if (!(odd && c.s.signer === 'perl')) {
        const key = `${c.s.signer} ${c.tamper}`;
        const t = tally[key] ?? { pass: 0, fail: 0 };
        t[mine ? 'pass' : 'fail']++;
        tally[key] = t;
      }
      if (c.s.signer === 'perl' && c.tamper === 'From added on top' && !odd) {
        // DKIMPY_EXTRA_FROM
        extraFrom++;
        if (!mine || py[i]?.ok !== false)
          disagree.push(`${DKIMPY_EXTRA_FROM}, ${label(c.s)}: poste ${r?.result}, python ${py[i]?.ok}`);
      } else if (py[i]?.ok !== mine)
        disagree.push(
          `${c.tamper}, ${label(c.s)}: poste ${r?.result} (${r?.reason}), python ${py[i]?.ok} ${py[i]?.error}`,
        );
      const p = plByCase.get(i);
      if (p && !odd && p.ok !== mine)
        disagree.push(`${c.tamper}, ${label(c.s)}: poste ${r?.result} (${r?.reason}), Mail::DKIM ${p.error}`);
    }
    expect(disagree).toEqual([]);
    if (havePerl) expect(extraFrom).toBeGreaterThan(0);
    for (const signer of ['poste', 'python', ...(havePerl ? ['perl'] : [])])
      for (const tamper of Object.keys(TAMPERS)) expect(tally[`${signer} ${tamper}`], tamper).toBeDefined();
    // A changed body byte, a From added below the signed one and two signed fields of the same
    // name swapped fail whoever signed; fields of different names swapped pass (h= fixes the
    // order in which fields are hashed, not where they stand).
    for (const [k, t] of Object.entries(tally)) {
      if (k.endsWith('body byte') || k.endsWith('at the bottom') || k.endsWith('Subject fields swapped'))
        expect(t.pass, k).toBe(0);
      if (k.endsWith('From and Subject swapped')) expect(t.fail, k).toBe(0);
      if (k === 'poste From added on top') expect(t.pass, k).toBe(0);
    }
  });

  it('the CLI: poste dkim sign for the peers, poste dkim verify --zone for theirs', () => {
    const first = sample[0] as { msg: Buffer };
    const jobs: Job[] = [];
    for (const canon of CANONS)
      for (const alg of ALGS) {
        const r = poste(
          ['dkim', 'sign', '-d', DOMAIN, '-s', SELECTOR[alg], '-k', keyFile[alg] as string, '-c', canon],
          first.msg,
        );
        expect(r.status, r.stderr).toBe(0);
        const v = poste(['dkim', 'verify', '--zone', zoneFile], r.stdout);
        expect(v.status, v.stdout.toString()).toBe(0);
        jobs.push({ op: 'verify', msg: r.stdout.toString('base64') });
      }
    expect((peer('python', records, jobs) as PeerVerdict[]).map((v) => v.ok)).toEqual(jobs.map(() => true));
    for (const signer of ['python', 'perl'] as const) {
      for (const canon of CANONS)
        for (const alg of ALGS) {
          const s = signed.find(
            (x) =>
              x.signer === signer && x.canon === canon && x.alg === alg && !mailDkimDiffers(canon, x.msg),
          );
          if (!s) continue;
          const v = poste(['dkim', 'verify', '--zone', zoneFile, '--json'], s.msg);
          expect(v.status, `${label(s)}: ${v.stdout}`).toBe(0);
          expect(JSON.parse(v.stdout.toString())[0]).toMatchObject({
            result: 'pass',
            canonicalization: canon,
            algorithm: alg,
          });
        }
    }
  });
});
