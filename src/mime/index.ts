// The MIME area: parse any email (streaming or in memory), craft new ones, and the field
// codecs underneath (RFC 5322, 2045–2047, 2231, 6532). Other areas import only this file.
export * from './address.js';
export * from './base64.js';
export * from './build.js';
export { bytesEqual, concatBytes } from './bytes.js';
export * from './charset.js';
export * from './date.js';
export * from './defects.js';
export * from './describe.js';
export * from './encoded-word.js';
export * from './header.js';
export * from './message-id.js';
export * from './params.js';
export * from './parser.js';
export * from './part.js';
export * from './quoted-printable.js';
export * from './semantic.js';
export * from './serialize.js';
export * from './transfer.js';
export * from './uuencode.js';
