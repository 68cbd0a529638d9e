// The DKIM area (RFC 6376, RFC 8463 Ed25519, RFC 8301 algorithm rules): signing and
// verification in one streaming pass with bounded memory, key records, key generation, and
// results formatted for Authentication-Results (RFC 8601). Other areas import only this file.

// The building blocks too, for other signatures over the same canonical forms (ARC) and for
// measuring body hashing on its own.
export { BodyHashes, type BodyHashResult } from './body-hash.js';
export { type BodyCanonicalizer, canonHeaderField, createBodyCanonicalizer } from './canon.js';
export { type CrlfNormalizer, createCrlfNormalizer } from './crlf.js';
export { headerHashInput } from './header-hash.js';
export { type ImportedKey, importPublicKey, type KeyRecord, parseKeyRecord } from './key-record.js';
export {
  type GeneratedKey,
  generateKey,
  type KeygenAlgorithm,
  loadSigningKey,
  MIN_RSA_BITS,
  publicKeyRecord,
  type SigningKey,
  zoneTxtRecord,
} from './keys.js';
export { DEFAULT_MAX_HEADER_BYTES, feed, HeaderSplitter, type RawField, splitFields } from './message.js';
export {
  formatAuthResults,
  formatAuthResultsList,
} from './results.js';
export {
  createSigner,
  DEFAULT_SIGNED_HEADERS,
  OVERSIGNED_HEADERS,
  OVERSIGNED_IF_PRESENT,
  type SignatureSpec,
  type Signer,
  type SignOptions,
  sign,
  signMessage,
} from './sign.js';
export { decodeDkimQp, isDomainName, parseSignature, type Signature } from './signature.js';
export { parseTagList, type TagList } from './tag-list.js';
export * from './types.js';
export { createVerifier, type Verifier, type VerifyOptions, verify } from './verify.js';
