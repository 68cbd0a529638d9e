// The DMARC record vectors of ../shared/testdata/dmarc (OpenDMARC's and Mail::DMARC's own
// tests, see SOURCES.md): every one is run. Where an implementation's expectation is not what
// RFC 9989 says, the RFC wins, and the case is listed in DECISIONS with the reason (also in
// docs/dmarc.md). "valid" here means: a DMARC record with a policy a receiver can apply.
import { describe, expect, it } from 'vitest';
import {
  checkAlignment,
  DmarcDns,
  type DmarcRecord,
  normalizeDomain,
  parseRecord,
} from '../../src/dmarc/index.js';
import { describeWithTestdata, readTestdata } from '../helpers/testdata.js';
import { dmarcZone } from './dns.js';

interface Vector {
  source: string;
  case: number;
  record: string;
  expect: 'valid' | 'invalid';
  parsed?: Record<string, unknown>;
}

interface Vectors {
  vectors: Vector[];
  tag_values: { good: Record<string, unknown[]>; bad: Record<string, unknown[]> };
  alignment_vectors: {
    vectors: {
      case: number;
      domain1: string;
      domain2: string;
      mode: 'relaxed' | 'strict';
      aligned: boolean;
    }[];
  };
}

/** Where we part from the implementation's expectation, and the RFC text that decides. */
const DECISIONS: Record<string, { ours: 'valid' | 'invalid'; why: string }> = {
  'opendmarc#5': {
    ours: 'invalid',
    why: 'p=n is not none/quarantine/reject (§4.8 dmarc-request), and there is no rua= to fall back on (§4.10.1)',
  },
  'opendmarc#10': {
    ours: 'valid',
    why: 'a bad adkim= is discarded for its default r (§4.8: syntax errors after v= fall back to defaults)',
  },
  'opendmarc#11': { ours: 'valid', why: 'a bad aspf= is discarded for its default r (§4.8)' },
  'opendmarc#12': {
    ours: 'valid',
    why: 'rf= is historic (§9.3); a bad value is ignored (§4.8), never the record',
  },
  'opendmarc#13': { ours: 'valid', why: 'ri= is historic (§9.3); a bad value is ignored (§4.8)' },
  'opendmarc#14': { ours: 'valid', why: 'pct= is historic (§9.3, Appendix A.6); pct=500 is ignored (§4.8)' },
  'opendmarc#19': { ours: 'valid', why: 'a bad rf= is ignored (§4.8)' },
  'mail-dmarc#4': {
    ours: 'invalid',
    why: 'v= must be exactly DMARC1 (case-sensitive, §4.7); "DMARC1\\" is not, so the whole record is ignored',
  },
  'mail-dmarc#9': {
    ours: 'valid',
    why: 'ftp://www.example.com is a syntactically valid URI, which is all §4.10.1 asks of rua= before reading the record as p=none',
  },
  'mail-dmarc#10': {
    ours: 'invalid',
    why: 'psd=y without p= or rua= shapes the Tree Walk but has no policy to apply: "no DMARC processing" (§4.10.1)',
  },
};

/** Per-tag values (Mail::DMARC's setter tests) where RFC 9989 reads otherwise. */
const TAG_DECISIONS: Record<string, { ours: 'good' | 'bad'; why: string }> = {
  'v=dmarc1': { ours: 'bad', why: 'the version value is case-sensitive: %s"DMARC1" (§4.8)' },
  'fo=0:1:d:s': { ours: 'bad', why: '0 and 1 are mutually exclusive (§4.7, dmarc-fo)' },
  'rf=iodef': {
    ours: 'bad',
    why: 'afrf is the only registered failure report format (RFC 7489 §6.3, §11.6)',
  },
  'rf=IODEF': { ours: 'bad', why: 'as rf=iodef' },
  'rua=ftp://example.com/pub': {
    ours: 'good',
    why: 'any valid RFC 3986 URI is kept (§4.7); unsupported schemes are ignored by report senders, not by the parser',
  },
  'rua=torrent://piratebay.net/dmarc': { ours: 'good', why: 'as above: a syntactically valid URI' },
  'ruf=mail:msimerson@cnap.org': {
    ours: 'good',
    why: 'as above: "mail:" is a valid (if useless) URI scheme',
  },
};

/** A policy a receiver can apply: the meaning of "valid" in the vectors. */
function usable(text: string): boolean {
  const r = parseRecord(text);
  return r.ok && r.record.p !== undefined;
}

describeWithTestdata('DMARC record vectors', ['dmarc', 'record-parse-vectors.json'], (file) => {
  const data = JSON.parse(readTestdata('dmarc', 'record-parse-vectors.json').toString('utf8')) as Vectors;

  describe('records', () => {
    for (const v of data.vectors) {
      const key = `${v.source.replace('-realworld', '')}#${v.case}`;
      const id = `${v.source}#${v.case}`;
      const decision = v.source === 'mail-dmarc-realworld' ? undefined : DECISIONS[key];
      it(`${id}: ${JSON.stringify(v.record)}`, () => {
        expect(parseRecord(v.record)).toBeDefined();
        const ours = usable(v.record) ? 'valid' : 'invalid';
        if (decision) {
          expect(v.expect).not.toBe(decision.ours);
          expect(ours).toBe(decision.ours);
        } else {
          expect(ours).toBe(v.expect);
        }
      });
    }
    it('Mail::DMARC parsed values agree where given', () => {
      for (const v of data.vectors.filter((x) => x.parsed && x.expect === 'valid')) {
        const r = (parseRecord(v.record) as { record: DmarcRecord }).record;
        const parsed = v.parsed as Record<string, unknown>;
        if (parsed.p !== undefined) expect(r.p).toBe(parsed.p);
        if (parsed.pct !== undefined) expect(r.pct).toBe(parsed.pct);
        if (parsed.rua !== undefined) expect(r.rua).toEqual([parsed.rua]);
        if (parsed.ruf !== undefined) expect(r.ruf).toEqual([parsed.ruf]);
      }
    });
    it('every decision names a vector that exists', () => {
      const keys = new Set(data.vectors.map((v) => `${v.source}#${v.case}`));
      for (const k of Object.keys(DECISIONS)) expect(keys.has(k)).toBe(true);
    });
  });

  describe('tag values', () => {
    for (const kind of ['good', 'bad'] as const) {
      for (const [tag, values] of Object.entries(data.tag_values[kind])) {
        for (const value of values) {
          const key = `${tag}=${value}`;
          const decision = TAG_DECISIONS[key];
          it(`${kind}: ${key}`, () => {
            const ours = acceptsTagValue(tag, String(value)) ? 'good' : 'bad';
            if (decision) {
              expect(kind).not.toBe(decision.ours);
              expect(ours).toBe(decision.ours);
            } else {
              expect(ours).toBe(kind);
            }
          });
        }
      }
    }
  });

  describe('alignment (OpenDMARC test_alignment.c)', () => {
    // Upstream used a public suffix list; here each registered domain publishes a record,
    // which is what makes it an Organizational Domain under the Tree Walk.
    const resolver = dmarcZone(
      Object.fromEntries(
        ['bcx.com', 'foo.com', 'b.com', 'mac.com', 'ooo.com', 'oooo.com', 'b.de', 'c.edu.ar', 'edr.au'].map(
          (d) => [d, 'v=DMARC1; p=none'],
        ),
      ),
    );
    // OpenDMARC strips leading and trailing dots; ".mac.com." and "....mac.com...." are not
    // domain names (empty labels), so nothing aligns with them here.
    const ALIGNMENT_DECISIONS: Record<number, string> = {
      5: 'a leading dot makes an empty label: not a domain name',
      6: 'empty labels: not a domain name',
    };
    for (const v of data.alignment_vectors.vectors) {
      it(`case ${v.case}: ${v.domain1} ~ ${v.domain2} (${v.mode})`, async () => {
        const a = normalizeDomain(v.domain1);
        const b = normalizeDomain(v.domain2);
        let aligned = false;
        if (a !== undefined && b !== undefined) {
          const r = await checkAlignment(a, b, v.mode, new DmarcDns(resolver));
          aligned = 'aligned' in r && r.aligned;
        }
        expect(aligned).toBe(ALIGNMENT_DECISIONS[v.case] ? !v.aligned : v.aligned);
      });
    }
  });

  it('vector file read', () => {
    expect(file).toMatch(/record-parse-vectors\.json$/);
    expect(data.vectors.length).toBeGreaterThan(0);
  });
});

/** Whether a tag's value is taken as written (Mail::DMARC's setter test, on our parser). */
function acceptsTagValue(tag: string, value: string): boolean {
  if (tag === 'v') return parseRecord(`v=${value}; p=none`).ok;
  const r = parseRecord(tag === 'p' ? `v=DMARC1; p=${value}` : `v=DMARC1; p=none; ${tag}=${value}`);
  if (!r.ok) return false;
  const rec = r.record;
  const lower = value.toLowerCase();
  switch (tag) {
    case 'p':
    case 'sp':
    case 'np':
      return rec.problem === undefined && rec[tag] === lower;
    case 'psd':
      return rec.psd === lower;
    case 't':
      return !rec.notes.some((n) => n.startsWith('t='));
    case 'adkim':
    case 'aspf':
      return rec[tag] === (lower === 's' ? 'strict' : lower === 'r' ? 'relaxed' : '?');
    case 'fo':
      return rec.fo.join(':') === lower;
    case 'rua':
    case 'ruf':
      return rec[tag].length === 1;
    case 'rf':
      return rec.rf !== undefined;
    case 'ri':
      return rec.ri === Number(value);
    case 'pct':
      return rec.pct === Number(value) && String(rec.pct) === value;
  }
  throw new Error(`no check for tag ${tag}`);
}
