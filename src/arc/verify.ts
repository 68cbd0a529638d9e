// Chain validation (RFC 8617 §5.2), streamed: at the end of the header the ARC sets are
// collected and their structure checked, the header hash inputs of the seals and message
// signatures taken and the key lookups started; the body then streams through the body
// hashes; at the end each signature is judged and the steps of §5.2 give cv.
import { parseAuthservId } from '../authres/index.js';
import {
  BodyHashes,
  canonHeaderField,
  DEFAULT_MAX_HEADER_BYTES,
  DkimError,
  feed,
  HeaderSplitter,
  headerHashInput,
  MIN_RSA_BITS,
  type RawField,
  splitFields,
} from '../dkim/index.js';
import type { Resolver } from '../dns/index.js';
import {
  ARC_AUTHENTICATION_RESULTS,
  ARC_MESSAGE_SIGNATURE,
  ARC_SEAL,
  fieldValue,
  instanceOf,
  type MessageSignature,
  parseMessageSignature,
  parseSeal,
  type Seal,
} from './fields.js';
import { checkSignature, type KeyLookup, keyFrom, keyLookup } from './keys.js';
import type { ArcResult, ArcSetResult, ArcSignatureResult } from './types.js';

export interface ArcVerifyOptions {
  resolver: Resolver;
  /** Verification time, seconds since the epoch (default: the clock); for AMS x=. */
  now?: number;
  /** Seconds of tolerance for x= in the past (default 300). */
  clockSkew?: number;
  /** RSA keys shorter than this fail (default 1024, RFC 8301 §3.2). */
  minRsaBits?: number;
  maxHeaderBytes?: number;
}

export interface ArcVerifier {
  push(chunk: Uint8Array): void;
  end(): Promise<ArcResult>;
}

interface SetFields {
  aar: RawField[];
  ams: { field: RawField; index: number }[];
  seal: RawField[];
}

interface PendingAms {
  sig: MessageSignature;
  data: Uint8Array;
  bodyHash: number;
}

/** The field with its b= value emptied (RFC 6376 §3.7, RFC 8617 §5.1.1). */
function withoutB(field: RawField, sig: { bFrom: number; bTo: number }): Uint8Array {
  const { offset } = fieldValue(field);
  return Buffer.concat([field.raw.subarray(0, offset + sig.bFrom), field.raw.subarray(offset + sig.bTo)]);
}

/** What the seal of instance k signs: sets 1..k in order, AAR, AMS, AS, relaxed; its own b= empty. */
function sealInput(sets: SetFields[], k: number, seal: Seal): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let j = 1; j <= k; j++) {
    const s = sets[j] as SetFields;
    parts.push(canonHeaderField((s.aar[0] as RawField).raw, 'relaxed'));
    parts.push(canonHeaderField((s.ams[0] as { field: RawField }).field.raw, 'relaxed'));
    const as = s.seal[0] as RawField;
    parts.push(
      j < k ? canonHeaderField(as.raw, 'relaxed') : canonHeaderField(withoutB(as, seal), 'relaxed', true),
    );
  }
  return Buffer.concat(parts);
}

function describe(r: ArcSignatureResult, sig: { domain: string; selector: string; algorithm: string }): void {
  r.domain = sig.domain;
  r.selector = sig.selector;
  r.algorithm = sig.algorithm;
}

export function createArcVerifier(opts: ArcVerifyOptions): ArcVerifier {
  const splitter = new HeaderSplitter(opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES);
  const hashes = new BodyHashes();
  const lookup: KeyLookup = keyLookup(opts.resolver);
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const skew = opts.clockSkew ?? 300;
  const minBits = opts.minRsaBits ?? MIN_RSA_BITS;
  let failure: string | undefined;
  let headerSeen = false;
  // Set at the end of the header: the verdict already known, or what is left to judge.
  let early: ArcResult | undefined;
  let sets: SetFields[] = [];
  let results: ArcSetResult[] = [];
  let seals: Seal[] = [];
  const amss = new Map<number, PendingAms>();
  let n = 0;

  const fail = (reason: string): ArcResult => ({ cv: 'fail', reason, instances: n, sets: results });

  const onHeader = (fields: RawField[]): void => {
    headerSeen = true;
    const arc: { field: RawField; index: number; instance: number | undefined }[] = [];
    fields.forEach((field, index) => {
      if (
        field.key === ARC_SEAL ||
        field.key === ARC_MESSAGE_SIGNATURE ||
        field.key === ARC_AUTHENTICATION_RESULTS
      )
        arc.push({ field, index, instance: instanceOf(field) });
    });
    // §5.2 step 1.
    if (arc.length === 0) {
      early = { cv: 'none', reason: 'no ARC sets', instances: 0, sets: [] };
      return;
    }
    const bad = arc.find((a) => a.instance === undefined);
    if (bad) {
      early = fail(`${bad.field.name} without a valid instance i= (1 to 50)`);
      return;
    }
    n = Math.max(...arc.map((a) => a.instance as number));
    sets = Array.from({ length: n + 1 }, () => ({ aar: [], ams: [], seal: [] }));
    for (const a of arc) {
      const s = sets[a.instance as number] as SetFields;
      if (a.field.key === ARC_SEAL) s.seal.push(a.field);
      else if (a.field.key === ARC_MESSAGE_SIGNATURE) s.ams.push({ field: a.field, index: a.index });
      else s.aar.push(a.field);
    }
    // §5.2 step 2: the newest seal says the chain already failed.
    const newest = sets[n] as SetFields;
    if (newest.seal.length === 1) {
      const p = parseSeal(fieldValue(newest.seal[0] as RawField).text);
      if (p.ok && p.value.cv === 'fail') {
        early = fail(`the newest ARC-Seal (i=${n}) says cv=fail`);
        return;
      }
    }
    // §5.2 step 3: exactly one of each field per instance, 1..N, with the right cv.
    for (let k = 1; k <= n; k++) {
      const s = sets[k] as SetFields;
      for (const [count, name] of [
        [s.aar.length, 'ARC-Authentication-Results'],
        [s.ams.length, 'ARC-Message-Signature'],
        [s.seal.length, 'ARC-Seal'],
      ] as const) {
        if (count !== 1) {
          early = fail(count === 0 ? `no ${name} for i=${k}` : `${count} ${name} fields for i=${k}`);
          return;
        }
      }
    }
    results = [];
    seals = [];
    for (let k = 1; k <= n; k++) {
      const s = sets[k] as SetFields;
      const r: ArcSetResult = {
        instance: k,
        ams: { result: 'none', reason: 'not checked' },
        seal: { result: 'none', reason: 'not checked' },
      };
      const aarText = fieldValue(s.aar[0] as RawField).text;
      const id = parseAuthservId(aarText.slice(aarText.indexOf(';') + 1));
      if (id !== undefined) r.authservId = id;
      results.push(r);
      const p = parseSeal(fieldValue(s.seal[0] as RawField).text);
      if (!p.ok) {
        r.seal = { result: 'permerror', reason: p.reason };
        early = fail(`i=${k}: ${p.reason}`);
        return;
      }
      r.cv = p.value.cv;
      describe(r.seal, p.value);
      const want = k === 1 ? 'none' : 'pass';
      if (p.value.cv !== want) {
        early = fail(`the ARC-Seal of i=${k} has cv=${p.value.cv}, not ${want}`);
        return;
      }
      seals[k] = p.value;
    }
    // §5.2 step 4 needs the newest AMS; the older ones serve for oldest-pass (step 5).
    for (let k = n; k >= 1; k--) {
      const s = sets[k] as SetFields;
      const { field, index } = s.ams[0] as { field: RawField; index: number };
      const p = parseMessageSignature(fieldValue(field).text);
      const r = results[k - 1] as ArcSetResult;
      if (!p.ok) {
        r.ams = { result: 'permerror', reason: p.reason };
        if (k === n) {
          early = fail(`i=${k}: ${p.reason}`);
          return;
        }
        continue;
      }
      describe(r.ams, p.value);
      amss.set(k, {
        sig: p.value,
        data: headerHashInput(fields, p.value.headers, p.value.headerCanon, withoutB(field, p.value), index),
        bodyHash: hashes.add(p.value.bodyCanon, 'sha256'),
      });
      void lookup(p.value.selector, p.value.domain);
    }
    for (let k = 1; k <= n; k++) void lookup((seals[k] as Seal).selector, (seals[k] as Seal).domain);
  };

  const judgeAms = async (k: number): Promise<ArcSignatureResult> => {
    const r = (results[k - 1] as ArcSetResult).ams;
    const p = amss.get(k);
    if (!p) return r; // unreadable: already permerror
    const { sig } = p;
    const set = (result: ArcSignatureResult['result'], reason: string) => {
      r.result = result;
      r.reason = reason;
      return r;
    };
    if (sig.expiration !== undefined && sig.expiration + skew < now)
      return set('fail', 'the AMS has expired (x=)');
    const name = `${sig.selector}._domainkey.${sig.domain}`;
    const key = keyFrom(await lookup(sig.selector, sig.domain), name, sig.algorithm, minBits);
    if (!key.ok) return set(key.result.result, key.result.reason);
    if (!Buffer.from(hashes.get(p.bodyHash).digest).equals(Buffer.from(sig.bodyHash)))
      return set('fail', 'body hash mismatch: the body was changed');
    if (!checkSignature(sig.algorithm, key.key, p.data, sig.signature))
      return set('fail', 'signature does not verify: a signed header field was changed');
    return set('pass', `verified with ${name}`);
  };

  const judgeSeal = async (k: number): Promise<ArcSignatureResult> => {
    const r = (results[k - 1] as ArcSetResult).seal;
    const seal = seals[k] as Seal;
    const name = `${seal.selector}._domainkey.${seal.domain}`;
    const key = keyFrom(await lookup(seal.selector, seal.domain), name, seal.algorithm, minBits);
    if (!key.ok) {
      r.result = key.result.result;
      r.reason = key.result.reason;
    } else if (!checkSignature(seal.algorithm, key.key, sealInput(sets, k, seal), seal.signature)) {
      r.result = 'fail';
      r.reason = 'seal does not verify: a field of the chain was changed';
    } else {
      r.result = 'pass';
      r.reason = `verified with ${name}`;
    }
    return r;
  };

  return {
    push(chunk) {
      if (failure !== undefined || chunk.length === 0) return;
      if (splitter.done) {
        if (amss.size > 0) hashes.update(chunk);
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
      if (at < 0) return;
      onHeader(splitFields(splitter.bytes()));
      if (at < chunk.length && amss.size > 0) hashes.update(chunk.subarray(at));
    },
    async end() {
      if (failure !== undefined) return { cv: 'fail', reason: failure, instances: 0, sets: [] };
      if (!headerSeen) onHeader(splitFields(splitter.bytes()));
      if (early) return early;
      hashes.end();
      const temp = (r: ArcSignatureResult) => r.result === 'temperror';
      // §5.2 step 4: the newest AMS.
      const newest = await judgeAms(n);
      // Step 5: oldest-pass, the older AMSs newest first, until one does not validate.
      let oldestPass = 0;
      for (let k = n - 1; k >= 1; k--) {
        if ((await judgeAms(k)).result !== 'pass') {
          oldestPass = k + 1;
          break;
        }
      }
      // Step 6: every seal, newest first.
      const sealResults: ArcSignatureResult[] = [];
      for (let k = n; k >= 1; k--) sealResults.push(await judgeSeal(k));
      if (newest.result !== 'pass') {
        const r = fail(`the ARC-Message-Signature of i=${n}: ${newest.reason}`);
        if (temp(newest)) r.temperror = true;
        return r;
      }
      const broken = sealResults.find((s) => s.result !== 'pass');
      if (broken) {
        const k = n - sealResults.indexOf(broken);
        const r = fail(`the ARC-Seal of i=${k}: ${broken.reason}`);
        if (temp(broken)) r.temperror = true;
        return r;
      }
      return {
        cv: 'pass',
        reason: `${n} ARC set${n === 1 ? '' : 's'} verified`,
        instances: n,
        sets: results,
        oldestPass,
      };
    },
  };
}

/** Validates the chain of a message given whole or as chunks. */
export async function verifyArc(
  message: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: ArcVerifyOptions,
): Promise<ArcResult> {
  const v = createArcVerifier(opts);
  await feed(v, message);
  return v.end();
}
