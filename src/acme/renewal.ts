// When to renew: once less than a third of the certificate's lifetime is left (60 days into
// a 90-day certificate), or earlier when the CA's renewal window (RFC 9773) has opened.
import { X509Certificate } from 'node:crypto';

export interface CertificateTimes {
  notBefore: Date;
  notAfter: Date;
}

/** The validity of the first (leaf) certificate of a PEM chain. */
export function leafTimes(fullchain: string): CertificateTimes {
  const leaf = new X509Certificate(fullchain);
  return { notBefore: new Date(leaf.validFrom), notAfter: new Date(leaf.validTo) };
}

/** The moment renewal is due: two thirds into the lifetime, or the start of the CA's window. */
export function renewalDue(times: CertificateTimes, window?: { start: Date; end: Date }): Date {
  const lifetime = times.notAfter.getTime() - times.notBefore.getTime();
  const byLifetime = new Date(times.notBefore.getTime() + (lifetime * 2) / 3);
  if (!window) return byLifetime;
  // A random moment inside the window spreads renewals (RFC 9773 §4.2); we take its start
  // when it is earlier than our own rule, never later.
  return window.start < byLifetime ? window.start : byLifetime;
}

/**
 * The RFC 9773 certificate identifier: base64url of the Authority Key Identifier's keyIdentifier,
 * a dot, base64url of the serial number's DER content bytes.
 */
export function certId(fullchain: string): string | undefined {
  const leaf = new X509Certificate(fullchain);
  const aki = akiKeyId(leaf.raw);
  if (!aki) return undefined;
  let serial = Buffer.from(leaf.serialNumber.length % 2 ? `0${leaf.serialNumber}` : leaf.serialNumber, 'hex');
  if ((serial[0] as number) & 0x80) serial = Buffer.concat([Buffer.of(0), serial]);
  return `${aki.toString('base64url')}.${serial.toString('base64url')}`;
}

/** The keyIdentifier of the AKI extension (OID 2.5.29.35): after the OID, an optional
 * critical BOOLEAN, then OCTET STRING { SEQUENCE { [0] keyIdentifier, ... } }. */
function akiKeyId(der: Buffer): Buffer | undefined {
  const marker = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x23]);
  const at = der.indexOf(marker);
  if (at < 0) return undefined;
  let p = at + marker.length;
  const header = (tag: number): number | undefined => {
    if (der[p] !== tag) return undefined;
    let len = der[p + 1] as number;
    p += 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (der[p++] as number);
    }
    return len;
  };
  if (der[p] === 0x01) p += 3; // critical BOOLEAN
  if (header(0x04) === undefined || header(0x30) === undefined) return undefined;
  const len = header(0x80);
  return len === undefined ? undefined : der.subarray(p, p + len);
}
