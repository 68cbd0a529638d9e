// The ARC area (RFC 8617): validation of a message's Authenticated Received Chain, streamed
// (cv=, oldest-pass, a result per set), sealing a new set from our Authentication-Results,
// and the verdict as an Authentication-Results entry. DKIM's building blocks do the
// canonicalization, body hashing and key records. Other areas import only this file.
export { formatArcAuthResults } from './results.js';
export { type ArcSealer, type ArcSealOptions, type ArcSealResult, createArcSealer, sealArc } from './seal.js';
export * from './types.js';
export { type ArcVerifier, type ArcVerifyOptions, createArcVerifier, verifyArc } from './verify.js';
