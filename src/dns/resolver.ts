// The one interface everything that needs DNS takes (DKIM, SPF, DMARC, the relay, ACME).
// Protocol outcomes are values, not exceptions: SPF must tell "no such name" (a void
// lookup) from "the server failed" (temperror), and the cache must remember both.
import type { RR } from './types.js';

export type Resolution =
  /** Records of the asked type, after following CNAMEs; `chain` holds the CNAMEs followed. */
  | { kind: 'answer'; records: RR[]; chain: RR[]; ttl: number }
  /** The name exists but has no record of this type (RFC 2308 NODATA). */
  | { kind: 'nodata'; ttl: number }
  /** The name does not exist. */
  | { kind: 'nxdomain'; ttl: number }
  /** No usable answer: timeout, SERVFAIL, REFUSED, a malformed reply, a CNAME loop. Temporary. */
  | { kind: 'error'; reason: string };

export interface Resolver {
  /** Looks up records of one type (a number from TYPE) at a name (absolute or taken as such). */
  resolve(name: string, type: number): Promise<Resolution>;
}

/** Records of the answer, or none for NODATA/NXDOMAIN; errors stay errors. */
export function recordsOf(res: Resolution): RR[] {
  return res.kind === 'answer' ? res.records : [];
}
