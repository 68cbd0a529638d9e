// DMARC Policy Records (RFC 9989 §4.7, §4.8): "v=DMARC1" first, then tag=value pairs. Lenient
// in, as §4.8 asks: a syntax error after the version discards that tag in favour of its
// default, unknown tags are ignored. Strict where the RFC is: the version value is case
// sensitive, and a record whose policy cannot be read is only usable when it asks for
// aggregate reports (§4.10.1). The RFC 7489 tags pct, ri and rf are still read.

export type Disposition = 'none' | 'quarantine' | 'reject';
export type AlignmentMode = 'relaxed' | 'strict';
/** psd=: y a Public Suffix Domain, n an Organizational Domain, u unknown (the default). */
export type PsdFlag = 'y' | 'n' | 'u';
/** fo=: failure reporting options (0 all fail, 1 any fails, d DKIM, s SPF). */
export type FailureOption = '0' | '1' | 'd' | 's';

export interface DmarcRecord {
  /**
   * The Domain Owner Assessment Policy (p=), "none" when p= is missing or bad but rua= holds
   * a valid URI (§4.10.1). Undefined when the record offers no usable policy: see `problem`.
   */
  p?: Disposition | undefined;
  /** sp= for existing subdomains; absent means p. */
  sp?: Disposition | undefined;
  /** np= for non-existent subdomains; absent means sp, then p. */
  np?: Disposition | undefined;
  adkim: AlignmentMode;
  aspf: AlignmentMode;
  /** t=y, or the RFC 7489 pct=0 it replaces (RFC 9989 Appendix A.6); an explicit t= wins. */
  testing: boolean;
  psd: PsdFlag;
  /** Aggregate and failure report URIs, each a valid RFC 3986 URI (an obsolete "!size" dropped). */
  rua: string[];
  ruf: string[];
  fo: FailureOption[];
  /** RFC 7489 tags, historic in RFC 9989 (§9.3): kept for display, pct=0 aside they change nothing. */
  pct?: number | undefined;
  ri?: number | undefined;
  rf?: string[] | undefined;
  /** Every tag after the version as written (name lower-cased, value trimmed), unknown ones too. */
  tags: [string, string][];
  /** What was ignored or replaced, and why. */
  notes: string[];
  /** Why `p` is undefined: no p= at all, or a bad p=/sp=/np=, and no rua= to fall back on. */
  problem?: { kind: 'no-policy' | 'bad-policy'; reason: string } | undefined;
}

export type ParsedRecord = { ok: true; record: DmarcRecord } | { ok: false; reason: string };

const VERSION = /^[ \t]*v[ \t]*=[ \t]*([^;]*?)[ \t]*(?:;|$)/i;

/** True when the text starts with the version tag of the current DMARC ("v=DMARC1", §4.10 step 2). */
export function isDmarcRecord(text: string): boolean {
  return VERSION.exec(text)?.[1] === 'DMARC1';
}

const DISPOSITIONS: readonly string[] = ['none', 'quarantine', 'reject'];
const KNOWN = new Set([
  'v',
  'p',
  'sp',
  'np',
  'adkim',
  'aspf',
  't',
  'psd',
  'rua',
  'ruf',
  'fo',
  'pct',
  'ri',
  'rf',
]);
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#[\]@$&'()*+=]|%[0-9A-Fa-f]{2})+$/;
const OBSOLETE_SIZE = /![0-9]+[kmgt]?$/i;

/** Parses one TXT record (its strings already joined, §4.5). Never throws. */
export function parseRecord(text: string): ParsedRecord {
  const version = VERSION.exec(text);
  if (!version) return { ok: false, reason: 'not a DMARC record (it does not start with v=DMARC1)' };
  if (version[1] !== 'DMARC1')
    return { ok: false, reason: `not a DMARC record (version ${JSON.stringify(version[1])}, not DMARC1)` };
  const notes: string[] = [];
  const tags: [string, string][] = [];
  const values = new Map<string, string>();
  const segments = text.slice(version[0].length).split(';');
  for (const [i, segment] of segments.entries()) {
    const s = segment.replace(/^[ \t]+|[ \t]+$/g, '');
    if (s === '') {
      // A ";" may end the record (§4.8); an empty tag elsewhere is a syntax error, ignored.
      if (i !== segments.length - 1) notes.push('empty tag ignored');
      continue;
    }
    const tag = readTag(s);
    if (typeof tag === 'string') {
      notes.push(tag);
      continue;
    }
    const [name, value] = tag;
    tags.push(tag);
    if (!KNOWN.has(name)) continue; // §4.7: unknown tags MUST be ignored
    if (values.has(name) || name === 'v') notes.push(`${name}= ignored: repeated`);
    else values.set(name, value);
  }

  const bad = (name: string, why = 'not a valid value') => {
    notes.push(`${name}=${values.get(name)} ignored: ${why}`);
    return undefined;
  };
  const disposition = (name: string): Disposition | undefined | null => {
    const v = values.get(name);
    if (v === undefined) return undefined;
    const lower = v.toLowerCase();
    return DISPOSITIONS.includes(lower)
      ? (lower as Disposition)
      : (bad(name, 'not none, quarantine or reject') ?? null);
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const v = values.get(name)?.toLowerCase();
    if (v === undefined) return fallback;
    return allowed.includes(v as T) ? (v as T) : (bad(name) ?? fallback);
  };
  const mode = (name: string): AlignmentMode => (oneOf(name, ['r', 's'], 'r') === 's' ? 'strict' : 'relaxed');
  const number = (name: string, max: number): number | undefined => {
    const v = values.get(name);
    if (v === undefined) return undefined;
    return /^[0-9]{1,10}$/.test(v) && Number(v) <= max
      ? Number(v)
      : bad(name, `not an integer from 0 to ${max}`);
  };

  const p = disposition('p');
  const sp = disposition('sp');
  const np = disposition('np');
  const rua = uriList('rua', values.get('rua'), notes);
  const ruf = uriList('ruf', values.get('ruf'), notes);
  const t = values.get('t')?.toLowerCase();
  if (t !== undefined && t !== 'y' && t !== 'n') bad('t');
  const pct = number('pct', 100);
  const record: DmarcRecord = {
    p: p ?? undefined,
    sp: sp ?? undefined,
    np: np ?? undefined,
    adkim: mode('adkim'),
    aspf: mode('aspf'),
    testing: t === 'y' || t === 'n' ? t === 'y' : pct === 0,
    psd: oneOf('psd', ['y', 'n', 'u'], 'u'),
    rua,
    ruf,
    fo: failureOptions(values.get('fo'), notes),
    pct,
    ri: number('ri', 4294967295),
    rf: reportFormats(values.get('rf'), notes),
    tags,
    notes,
  };
  // §4.10.1: no valid p=, or a bad sp= or np=: p=none when rua= holds a valid URI, else the
  // record asks for nothing a receiver can apply.
  const badTags = (['p', 'sp', 'np'] as const).filter((_, i) => [p, sp, np][i] === null);
  const badPolicy = badTags.length > 0;
  if (p === undefined || badPolicy) {
    const what = badPolicy ? `a bad ${badTags.join('=, ')}=` : 'no p=';
    if (rua.length > 0) {
      notes.push(`${what} but a valid rua=: read as p=none (RFC 9989 §4.10.1)`);
      record.p = 'none';
      record.sp = undefined;
      record.np = undefined;
    } else {
      record.p = undefined;
      record.problem = {
        kind: badPolicy ? 'bad-policy' : 'no-policy',
        reason: `${what} and no valid rua=: no policy to apply (RFC 9989 §4.10.1)`,
      };
    }
  }
  return { ok: true, record };
}

/** dmarc-tag = 1*ALPHA equals 1*dmarc-value (printable ASCII); or why the text is not one. */
function readTag(s: string): [string, string] | string {
  const m = /^([^=]*?)[ \t]*=[ \t]*(.*)$/s.exec(s);
  if (!m) return `${JSON.stringify(s)} ignored: not tag=value`;
  const name = (m[1] as string).toLowerCase();
  const value = m[2] as string;
  if (!/^[a-z]+$/.test(name)) return `${JSON.stringify(s)} ignored: bad tag name`;
  if (value === '') return `${name}= ignored: empty value`;
  if (!/^[\x20-\x7e]*$/.test(value)) return `${name}= ignored: value has characters outside ASCII`;
  return [name, value];
}

/** dmarc-urilist: URIs apart by commas; a trailing "!size" (obsolete) is dropped. */
function uriList(name: string, value: string | undefined, notes: string[]): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const item of value.split(',')) {
    const uri = item.replace(/^[ \t]+|[ \t]+$/g, '').replace(OBSOLETE_SIZE, '');
    if (URI.test(uri)) out.push(uri);
    else notes.push(`${name}: ${JSON.stringify(item.trim())} ignored: not a URI`);
  }
  return out;
}

/** dmarc-fo: 0 or 1 (not both), d and s, colon-separated, each at most once; else the default 0. */
function failureOptions(value: string | undefined, notes: string[]): FailureOption[] {
  if (value === undefined) return ['0'];
  const items = value.split(':').map((s) => s.trim().toLowerCase());
  const ok =
    items.every((i) => ['0', '1', 'd', 's'].includes(i)) &&
    new Set(items).size === items.length &&
    !(items.includes('0') && items.includes('1'));
  if (ok) return items as FailureOption[];
  notes.push(`fo=${value} ignored: not a valid value`);
  return ['0'];
}

/** RFC 7489 rf=: colon-separated formats; afrf is the only one registered. */
function reportFormats(value: string | undefined, notes: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(':').map((s) => s.trim().toLowerCase());
  if (items.every((i) => i === 'afrf')) return items.slice(0, 1);
  notes.push(`rf=${value} ignored: afrf is the only registered format`);
  return undefined;
}

/** The record as text, in a fixed order, defaults left out; parsing it gives the same record. */
export function formatRecord(r: DmarcRecord): string {
  const parts = ['v=DMARC1'];
  if (r.p !== undefined) parts.push(`p=${r.p}`);
  if (r.sp !== undefined) parts.push(`sp=${r.sp}`);
  if (r.np !== undefined) parts.push(`np=${r.np}`);
  if (r.adkim === 'strict') parts.push('adkim=s');
  if (r.aspf === 'strict') parts.push('aspf=s');
  if (r.testing) parts.push('t=y');
  else if (r.pct === 0) parts.push('t=n');
  if (r.psd !== 'u') parts.push(`psd=${r.psd}`);
  if (r.rua.length > 0) parts.push(`rua=${r.rua.join(',')}`);
  if (r.ruf.length > 0) parts.push(`ruf=${r.ruf.join(',')}`);
  if (r.fo.join(':') !== '0') parts.push(`fo=${r.fo.join(':')}`);
  if (r.pct !== undefined) parts.push(`pct=${r.pct}`);
  if (r.ri !== undefined) parts.push(`ri=${r.ri}`);
  if (r.rf !== undefined) parts.push(`rf=${r.rf.join(':')}`);
  return parts.join('; ');
}

/** t=y lowers the applied policy one level: reject → quarantine, quarantine → none (§4.7). */
export function testingDowngrade(policy: Disposition): Disposition {
  return policy === 'reject' ? 'quarantine' : 'none';
}
