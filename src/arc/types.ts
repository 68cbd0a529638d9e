// The vocabulary of the ARC area: chain validation status and typed results (RFC 8617 §4.4,
// §5.2), and the error thrown for misuse.

/** Chain validation status (cv=, RFC 8617 §4.4). */
export type ArcCv = 'none' | 'pass' | 'fail';

/** The check of one signature (an AMS or an AS); `none` when it was not checked. */
export type ArcSignatureVerdict = 'pass' | 'fail' | 'temperror' | 'permerror' | 'none';

export interface ArcSignatureResult {
  result: ArcSignatureVerdict;
  /** What was wrong, or what was checked. */
  reason: string;
  domain?: string;
  selector?: string;
  algorithm?: string;
}

export interface ArcSetResult {
  instance: number;
  /** cv= of this set's ARC-Seal, as written. */
  cv?: string;
  /** The authserv-id of this set's ARC-Authentication-Results. */
  authservId?: string;
  ams: ArcSignatureResult;
  seal: ArcSignatureResult;
}

export interface ArcResult {
  cv: ArcCv;
  /** Why the chain failed, or what passed ("3 sets"), or why there is none. */
  reason: string;
  /** Number of sets (the highest instance), 0 without a chain. */
  instances: number;
  /** One entry per instance, 1 first, when the structure could be read. */
  sets: ArcSetResult[];
  /**
   * With cv=pass: 0 when every AMS still validates, else the lowest instance from which
   * every AMS up to the newest validates (RFC 8617 §5.2 step 5).
   */
  oldestPass?: number;
  /** A key lookup failed temporarily: the fail may not be one (a caller may defer). */
  temperror?: boolean;
}

/** Bad input from the caller: a key that cannot sign, a bad option. */
export class ArcError extends Error {
  override name = 'ArcError';
  readonly code: 'bad-key' | 'bad-option';
  constructor(code: ArcError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
