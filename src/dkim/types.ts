// The vocabulary of the DKIM area: algorithms, canonicalizations and typed results.

/** Signing algorithms (RFC 6376 §3.3, RFC 8463). rsa-sha1 is verified only, never produced (RFC 8301). */
export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256' | 'rsa-sha1';
export type SigningAlgorithm = Exclude<DkimAlgorithm, 'rsa-sha1'>;
export type KeyType = 'rsa' | 'ed25519';
export type HashAlgorithm = 'sha256' | 'sha1';

/** RFC 6376 §3.4. */
export type Canon = 'simple' | 'relaxed';
/** header/body, as written in c= (a lone "relaxed" means relaxed/simple, RFC 6376 §3.5). */
export type CanonPair = `${Canon}/${Canon}`;

/**
 * RFC 8601 §2.7.1 results. `policy`: the signature was read but is not acceptable here
 * (rsa-sha1 or an RSA key under 1024 bits, RFC 8301; expired or future-dated, RFC 6376
 * §3.5) — see `policy` for which.
 */
export type DkimVerdict = 'pass' | 'fail' | 'neutral' | 'temperror' | 'permerror' | 'policy';

/** Why a signature got `policy`. For `rsa-sha1` and `short-key` the signature did verify. */
export type PolicyReason = 'rsa-sha1' | 'short-key' | 'expired' | 'future';

export interface DkimResult {
  result: DkimVerdict;
  /** Human-readable: what was wrong, or what was checked ("" never; pass says so too). */
  reason: string;
  /** d=, as written; absent when the signature could not be read that far. */
  domain?: string;
  /** s= */
  selector?: string;
  /** a=, as written (may be an unsupported one, for the report). */
  algorithm?: string;
  /** c= normalized to header/body. */
  canonicalization?: CanonPair;
  /** i= decoded (dkim-quoted-printable), or the default "@d". */
  identity?: string;
  /** b= with whitespace removed (header.b of RFC 6008 uses its first 8 characters). */
  signature?: string;
  /** t= and x=, seconds since the epoch. */
  timestamp?: number;
  expiration?: number;
  /** l=: the number of canonicalized body bytes signed. */
  bodyLength?: number;
  /** With l=, the canonicalized body bytes after the signed ones: content anyone could have added. */
  bodyLengthUnsigned?: number;
  /** The key record has t=y: the domain is testing DKIM (RFC 6376 §3.6.1). */
  testing?: boolean;
  /** Bits of the RSA public key (256 for Ed25519). */
  keyBits?: number;
  policy?: PolicyReason;
  /** 0-based position of the DKIM-Signature field among the message's DKIM-Signature fields. */
  index: number;
}

/** Bad input from the caller (a key that is not a private key, an RSA key under 1024 bits, bad options). */
export class DkimError extends Error {
  override name = 'DkimError';
  readonly code: 'bad-key' | 'weak-key' | 'bad-option' | 'header-too-long';
  constructor(code: DkimError['code'], message: string) {
    super(message);
    this.code = code;
  }
}
