// Sealing (RFC 8617 §5.1): a new ARC set i=N+1 put on top of the message. The AAR carries
// the results of our Authentication-Results fields; the AMS signs the header fields and the
// body (hashed in the one pass); the AS signs every set, ours included, with cv= our
// validation of the chain as those results state it (arc=). Tags are written in
// alphabetical order, lower case, as the ARC test suite fixes them.
import { createHash, sign as cryptoSign } from 'node:crypto';
import { authResultsEntries } from '../authres/index.js';
import {
  BodyHashes,
  canonHeaderField,
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_SIGNED_HEADERS,
  DkimError,
  feed,
  HeaderSplitter,
  headerHashInput,
  isDomainName,
  loadSigningKey,
  type RawField,
  type SigningKey,
  splitFields,
} from '../dkim/index.js';
import {
  ARC_AUTHENTICATION_RESULTS,
  ARC_MESSAGE_SIGNATURE,
  ARC_SEAL,
  type ArcAlgorithm,
  fieldValue,
  instanceOf,
  MAX_INSTANCE,
  parseSeal,
} from './fields.js';
import { type ArcCv, ArcError } from './types.js';

export interface ArcSealOptions {
  domain: string;
  selector: string;
  /** A loaded key, or the text of a PEM file. RSA gives rsa-sha256; Ed25519 ed25519-sha256 (not in RFC 8617). */
  key: SigningKey | string | Uint8Array;
  /** Our authserv-id: the Authentication-Results fields carried into the AAR are those with it. */
  authservId: string;
  /** Fields for the AMS to sign (h=), as given; default: the usual ones present, and DKIM-Signature. */
  headers?: readonly string[];
  /** cv= of the seal; default: the arc= result of our Authentication-Results. */
  cv?: ArcCv;
  /** Signing time t=, seconds since the epoch (default: the clock). */
  now?: number;
  /** Fold the fields at 78 columns (default true); false writes each on one line. */
  fold?: boolean;
  maxHeaderBytes?: number;
}

export type ArcSealResult =
  | {
      sealed: true;
      /** ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results, CRLF-terminated, to put on top. */
      fields: Uint8Array;
      instance: number;
      cv: ArcCv;
    }
  | {
      sealed: false;
      code: 'chain-failed' | 'too-many-sets' | 'no-auth-results' | 'no-cv' | 'header-too-long';
      reason: string;
    };

export interface ArcSealer {
  push(chunk: Uint8Array): void;
  end(): ArcSealResult;
}

function fieldNames(list: readonly string[]): string[] {
  const names = list.map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
  for (const n of names) {
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(n)) throw new ArcError('bad-option', `not a header field name: ${n}`);
    if (n === ARC_SEAL) throw new ArcError('bad-option', 'the AMS may not sign ARC-Seal (RFC 8617 §4.1.2)');
  }
  return names;
}

/** Default h=: each usual field as often as it occurs, DKIM-Signature fields too (§4.1.2), From always. */
function defaultNames(fields: readonly RawField[]): string[] {
  const count = new Map<string, number>();
  for (const f of fields) count.set(f.key, (count.get(f.key) ?? 0) + 1);
  const out: string[] = [];
  for (const name of ['from', ...DEFAULT_SIGNED_HEADERS.filter((h) => h !== 'from'), 'dkim-signature'])
    for (let i = 0; i < Math.max(count.get(name) ?? 0, name === 'from' ? 1 : 0); i++) out.push(name);
  return out;
}

/**
 * Writes `Name: tag; tag; …`, on one line or folded at 78 columns: between tags, at the
 * colons of h=, and inside b=, after which a new line always starts — so that the layout of
 * what follows b= does not depend on its value, and the field signed with b= empty is the
 * field written, but for b=.
 */
function writeField(name: string, tags: [string, string][], fold: boolean): string {
  if (!fold) return `${name}: ${tags.map(([k, v]) => `${k}=${v}`).join('; ')}`;
  let text = `${name}:`;
  let col = text.length;
  let newLine = false;
  const put = (unit: string, space: boolean) => {
    if (newLine || (col + (space ? 1 : 0) + unit.length > 78 && col > 8)) {
      text += `\r\n\t${unit}`;
      col = 8 + unit.length;
      newLine = false;
    } else {
      text += (space ? ' ' : '') + unit;
      col += (space ? 1 : 0) + unit.length;
    }
  };
  tags.forEach(([k, v], i) => {
    const end = i < tags.length - 1 ? ';' : '';
    if (k === 'b') {
      put('b=', true);
      // base64 cut to fill the lines: whitespace inside b= is ignored (RFC 6376 §3.5).
      for (let rest = v; rest.length > 0; ) {
        if (col >= 78) {
          text += '\r\n\t';
          col = 8;
        }
        const piece = rest.slice(0, 78 - col);
        text += piece;
        col += piece.length;
        rest = rest.slice(piece.length);
      }
      text += end;
      col += end.length;
      newLine = true;
    } else if (k === 'h') {
      const names = v.split(':');
      for (let j = 0; j < names.length; j++)
        put(`${j === 0 ? 'h=' : ''}${names[j]}${j < names.length - 1 ? ':' : end}`, j === 0);
    } else put(`${k}=${v}${end}`, true);
  });
  return text;
}

function signData(algorithm: ArcAlgorithm, key: SigningKey, data: Uint8Array): string {
  const sig =
    algorithm === 'ed25519-sha256'
      ? cryptoSign(null, createHash('sha256').update(data).digest(), key.key)
      : cryptoSign('sha256', data, key.key);
  return sig.toString('base64');
}

export function createArcSealer(opts: ArcSealOptions): ArcSealer {
  if (!isDomainName(opts.domain)) throw new ArcError('bad-option', `not a domain name: ${opts.domain}`);
  if (!isDomainName(opts.selector)) throw new ArcError('bad-option', `not a selector: ${opts.selector}`);
  if (!/^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/.test(opts.authservId))
    throw new ArcError('bad-option', `not an authserv-id: ${opts.authservId}`);
  let key: SigningKey;
  try {
    key =
      typeof opts.key === 'object' && 'type' in opts.key && 'bits' in opts.key
        ? (opts.key as SigningKey)
        : loadSigningKey(opts.key as string | Uint8Array);
  } catch (e) {
    if (e instanceof DkimError) throw new ArcError('bad-key', e.message, { cause: e });
    throw e;
  }
  const algorithm: ArcAlgorithm = key.type === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256';
  const names = opts.headers ? fieldNames(opts.headers) : undefined;
  const fold = opts.fold !== false;
  const hashes = new BodyHashes();
  const bodyHash = hashes.add('relaxed', 'sha256');
  const splitter = new HeaderSplitter(opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES);
  let failure: string | undefined;
  let ended = false;

  return {
    push(chunk) {
      if (ended) throw new Error('push after end');
      if (failure !== undefined || chunk.length === 0) return;
      if (splitter.done) {
        hashes.update(chunk);
        return;
      }
      let at: number;
      try {
        at = splitter.push(chunk);
      } catch (e) {
        if (!(e instanceof DkimError)) throw e;
        failure = e.message;
        return;
      }
      if (at >= 0 && at < chunk.length) hashes.update(chunk.subarray(at));
    },
    end() {
      ended = true;
      if (failure !== undefined) return { sealed: false, code: 'header-too-long', reason: failure };
      hashes.end();
      const fields = splitFields(splitter.bytes());
      return seal(fields, Buffer.from(hashes.get(bodyHash).digest).toString('base64'));
    },
  };

  function seal(fields: RawField[], bh: string): ArcSealResult {
    // The existing chain: its sets by instance (the first field of each kind where repeated).
    const sets = new Map<number, Partial<Record<string, RawField>>>();
    for (const f of fields) {
      if (f.key !== ARC_SEAL && f.key !== ARC_MESSAGE_SIGNATURE && f.key !== ARC_AUTHENTICATION_RESULTS)
        continue;
      const i = instanceOf(f);
      if (i === undefined) continue;
      const s = sets.get(i) ?? {};
      s[f.key] ??= f;
      sets.set(i, s);
    }
    const n = sets.size === 0 ? 0 : Math.max(...sets.keys());
    // §5.1 step 1: a chain that already failed is not sealed again.
    const newest = sets.get(n)?.[ARC_SEAL];
    if (newest) {
      const p = parseSeal(fieldValue(newest).text);
      if (p.ok && p.value.cv === 'fail')
        return {
          sealed: false,
          code: 'chain-failed',
          reason: `the chain already failed (i=${n} has cv=fail)`,
        };
    }
    const instance = n + 1;
    if (instance > MAX_INSTANCE)
      return {
        sealed: false,
        code: 'too-many-sets',
        reason: `the chain has ${n} sets, the most there may be`,
      };

    // The AAR (§4.1.1, §5.1 step 3.1): our results, consolidated in the order they appear.
    const ours = opts.authservId.toLowerCase();
    const entries: string[] = [];
    let found = false;
    let arcResult: string | undefined;
    for (const f of fields) {
      if (f.key !== 'authentication-results') continue;
      const e = authResultsEntries(fieldValue(f).text);
      if (!e || e.authservId.toLowerCase() !== ours) continue;
      found = true;
      for (const entry of e.entries) {
        entries.push(entry);
        const m = /^arc[ \t]*=[ \t]*([A-Za-z]+)/i.exec(entry);
        if (m && arcResult === undefined) arcResult = (m[1] as string).toLowerCase();
      }
    }
    if (!found)
      return {
        sealed: false,
        code: 'no-auth-results',
        reason: `no Authentication-Results field of ${opts.authservId} to carry into the AAR`,
      };
    let cv: ArcCv;
    if (n === 0) cv = 'none';
    else {
      const stated =
        opts.cv ??
        (arcResult === 'pass' || arcResult === 'fail' || arcResult === 'none' ? arcResult : undefined);
      if (stated === undefined)
        return {
          sealed: false,
          code: 'no-cv',
          reason: `the message has ${n} ARC sets but no arc= result of ${opts.authservId} to seal them with`,
        };
      // A chain our validator did not see cannot be vouched for.
      cv = stated === 'none' ? 'fail' : stated;
    }
    const sep = fold ? ';\r\n\t' : '; ';
    const aarText = `ARC-Authentication-Results: i=${instance}; ${opts.authservId}${sep}${
      entries.length === 0 ? 'none' : entries.join(sep)
    }`;
    const aar: RawField = {
      name: 'ARC-Authentication-Results',
      key: ARC_AUTHENTICATION_RESULTS,
      raw: Buffer.from(`${aarText}\r\n`, 'latin1'),
    };

    const now = Math.floor(opts.now ?? Date.now() / 1000);
    const withAar = [aar, ...fields];
    const h = names ?? defaultNames(fields);
    const amsTags = (b: string): [string, string][] => [
      ['a', algorithm],
      ['b', b],
      ['bh', bh],
      ['c', 'relaxed/relaxed'],
      ['d', opts.domain],
      ['h', h.join(':')],
      ['i', String(instance)],
      ['s', opts.selector],
      ['t', String(now)],
    ];
    const amsUnsigned = writeField('ARC-Message-Signature', amsTags(''), fold);
    const amsData = headerHashInput(withAar, h, 'relaxed', Buffer.from(amsUnsigned, 'latin1'));
    const amsText = writeField('ARC-Message-Signature', amsTags(signData(algorithm, key, amsData)), fold);

    // The AS (§5.1.1): every set in order, ours last, relaxed, its own b= empty. A seal with
    // cv=fail covers only its own set: the chain it vouches against is not worth signing.
    const parts: Uint8Array[] = [];
    for (let i = 1; i < instance && cv !== 'fail'; i++) {
      const s = sets.get(i) ?? {};
      for (const k of [ARC_AUTHENTICATION_RESULTS, ARC_MESSAGE_SIGNATURE, ARC_SEAL]) {
        const f = s[k];
        if (f) parts.push(canonHeaderField(f.raw, 'relaxed'));
      }
    }
    parts.push(canonHeaderField(aar.raw, 'relaxed'));
    parts.push(canonHeaderField(Buffer.from(`${amsText}\r\n`, 'latin1'), 'relaxed'));
    const asTags = (b: string): [string, string][] => [
      ['a', algorithm],
      ['b', b],
      ['cv', cv],
      ['d', opts.domain],
      ['i', String(instance)],
      ['s', opts.selector],
      ['t', String(now)],
    ];
    parts.push(
      canonHeaderField(Buffer.from(writeField('ARC-Seal', asTags(''), fold), 'latin1'), 'relaxed', true),
    );
    const asText = writeField('ARC-Seal', asTags(signData(algorithm, key, Buffer.concat(parts))), fold);
    return {
      sealed: true,
      fields: Buffer.concat([Buffer.from(`${asText}\r\n${amsText}\r\n`, 'latin1'), aar.raw]),
      instance,
      cv,
    };
  }
}

/** Seals a message given whole or as chunks. */
export async function sealArc(
  message: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: ArcSealOptions,
): Promise<ArcSealResult> {
  const s = createArcSealer(opts);
  await feed(s, message);
  return s.end();
}
