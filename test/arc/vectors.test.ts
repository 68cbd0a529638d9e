// The ValiMail ARC test suite (../shared/testdata/arc): every validation test gives its
// expected cv (three leave it empty: either is accepted, and what we say is recorded), and
// every signing test seals to the expected AS, AMS and AAR, which then verify.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type ArcResult, createArcSealer, createArcVerifier } from '../../src/arc/index.js';
import { fakeResolver } from '../dkim/fake-dns.js';
import { describeWithTestdata, readTestdata } from '../helpers/testdata.js';

interface ValidationTest {
  message: string;
  cv: string;
  description: string;
}

interface SignTest {
  message: string;
  t: number;
  'sig-headers': string;
  'srv-id': string;
  AS: string;
  AMS: string;
  AAR: string;
}

interface Scenario<T> {
  description: string;
  tests: Record<string, T>;
  'txt-records'?: Record<string, string>;
  txt_records?: Record<string, string>;
  domain?: string;
  sel?: string;
  privatekey?: string;
}

function scenarios<T>(file: string): Scenario<T>[] {
  return parseAllDocuments(readTestdata('arc', file).toString('utf8')).map((d) => d.toJS() as Scenario<T>);
}

/** YAML gives LF line ends; the suite's messages are meant with CRLF, as on the wire. */
function crlf(s: string): Buffer {
  return Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');
}

function records(s: Scenario<unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s['txt-records'] ?? s.txt_records ?? {}))
    out[k] = v.replace(/\s*\n\s*/g, '');
  return out;
}

async function validate(message: Buffer, recs: Record<string, string>, chunk = 0): Promise<ArcResult> {
  const v = createArcVerifier({ resolver: fakeResolver(recs), now: 1_500_000_000 });
  if (chunk > 0) for (let i = 0; i < message.length; i += chunk) v.push(message.subarray(i, i + chunk));
  else v.push(message);
  return v.end();
}

const norm = (s: string) => s.replace(/\s+/g, '');

describeWithTestdata('ARC validation suite', ['arc', 'arc-draft-validation-tests.yml'], () => {
  const all = scenarios<ValidationTest>('arc-draft-validation-tests.yml');
  const tally = { total: 0, pass: 0, either: [] as string[] };
  for (const sc of all) {
    describe(sc.description.trim(), () => {
      const recs = records(sc);
      for (const [name, t] of Object.entries(sc.tests)) {
        it(name, async () => {
          const r = await validate(crlf(t.message ?? ''), recs);
          tally.total++;
          const want = String(t.cv ?? '')
            .trim()
            .toLowerCase();
          if (want === '') tally.either.push(`${name}=${r.cv}`);
          else expect(r.cv, `${t.description}: ${r.reason}`).toBe(want);
          // The same verdict whatever the chunking.
          const chunked = await validate(crlf(t.message ?? ''), recs, 7);
          expect(chunked.cv).toBe(r.cv);
          tally.pass++;
        });
      }
    });
  }
  it('covers the whole suite', () => {
    const count = all.reduce((n, s) => n + Object.keys(s.tests).length, 0);
    expect(count).toBe(171);
    process.stderr.write(
      `ARC validation: ${tally.pass}/${tally.total} as expected; unspecified cv: ${tally.either.join(', ')}\n`,
    );
  });
});

describeWithTestdata('ARC signing suite', ['arc', 'arc-draft-sign-tests.yml'], () => {
  const all = scenarios<SignTest>('arc-draft-sign-tests.yml');
  let matched = 0;
  for (const sc of all) {
    describe(sc.description.trim(), () => {
      const recs = records(sc);
      for (const [name, t] of Object.entries(sc.tests)) {
        it(name, async () => {
          const message = crlf(t.message);
          const sealer = createArcSealer({
            domain: sc.domain as string,
            selector: sc.sel as string,
            key: sc.privatekey as string,
            authservId: t['srv-id'],
            headers: t['sig-headers'].split(':'),
            now: t.t,
            fold: false,
          });
          sealer.push(message);
          const r = sealer.end();
          if (norm(t.AS ?? '') === '') {
            expect(r.sealed).toBe(false);
            matched++;
            return;
          }
          if (!r.sealed) throw new Error(r.reason);
          const lines = Buffer.from(r.fields).toString('latin1').split('\r\n');
          const value = (prefix: string) => {
            const l = lines.find((x) => x.startsWith(`${prefix}: `)) as string;
            return l.slice(prefix.length + 2);
          };
          expect(norm(value('ARC-Seal'))).toBe(norm(t.AS));
          expect(norm(value('ARC-Message-Signature'))).toBe(norm(t.AMS));
          expect(value('ARC-Authentication-Results').replace(/\s+/g, ' ')).toBe(
            t.AAR.replace(/\s+/g, ' ').trim(),
          );
          // The sealed message validates; folded output too.
          const sealed = Buffer.concat([r.fields, message]);
          const v = await validate(sealed, recs);
          expect(v.cv, v.reason).toBe(r.cv === 'fail' ? 'fail' : 'pass');
          const folded = createArcSealer({
            domain: sc.domain as string,
            selector: sc.sel as string,
            key: sc.privatekey as string,
            authservId: t['srv-id'],
            headers: t['sig-headers'].split(':'),
            now: t.t,
          });
          folded.push(message);
          const f = folded.end();
          if (!f.sealed) throw new Error(f.reason);
          expect(
            Buffer.from(f.fields)
              .toString('latin1')
              .split('\r\n')
              .every((l) => l.length <= 78),
          ).toBe(true);
          const vf = await validate(Buffer.concat([f.fields, message]), recs, 5);
          expect(vf.cv, vf.reason).toBe(r.cv === 'fail' ? 'fail' : 'pass');
          matched++;
        });
      }
    });
  }
  it('covers the whole suite', () => {
    const count = all.reduce((n, s) => n + Object.keys(s.tests).length, 0);
    expect(count).toBe(17);
    process.stderr.write(`ARC signing: ${matched}/${count} match byte for byte\n`);
  });
});
