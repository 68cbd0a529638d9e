// A local certificate authority for a machine that has none to ask (`poste stack` on a
// laptop or in CI): a self-signed root and leaf certificates for our host names and
// addresses, X.509 v3 (RFC 5280) written with the DER writer CSRs use, ECDSA P-256 keys
// from node:crypto. Clients trust the stack by the root's PEM (`poste submit --ca`).
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import { bitString, context, octetString, oid, sequence, set, tlv, utf8String } from './der.js';

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

export interface CertifiedKey {
  /** PEM of the certificate and of its PKCS#8 private key. */
  cert: string;
  key: string;
}

function name(cn: string): Uint8Array {
  return sequence(
    set(sequence(oid(OID.organization), utf8String('poste local CA'))),
    set(sequence(oid(OID.commonName), utf8String(cn))),
  );
}

/** UTCTime up to 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(d: Date): Uint8Array {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return d.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${iso}Z`));
}

function serial(): Uint8Array {
  const b = randomBytes(16);
  // Positive, and minimal DER: a first octet of 0 before one under 0x80 is padding that
  // parsers refuse (X.690 §8.3.2), as one serial in 256 had it.
  b[0] = ((b[0] as number) & 0x7f) | 0x01;
  return tlv(0x02, b);
}

/** The key identifier: SHA-1 of the whole SPKI (RFC 7093 §2 allows any stable method). */
function keyId(spki: Buffer): Buffer {
  return createHash('sha1').update(spki).digest();
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? sequence(oid(id), tlv(0x01, Uint8Array.of(0xff)), octetString(value))
    : sequence(oid(id), octetString(value));
}

function certificate(o: {
  subject: Uint8Array;
  issuer: Uint8Array;
  spki: Buffer;
  issuerSpki: Buffer;
  signer: KeyObject;
  days: number;
  extensions: Uint8Array[];
  now: Date;
}): string {
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const notBefore = new Date(o.now.getTime() - 3600_000);
  const notAfter = new Date(o.now.getTime() + o.days * 86_400_000);
  const tbs = sequence(
    context(0, true, tlv(0x02, Uint8Array.of(2))), // v3
    serial(),
    algorithm,
    o.issuer,
    sequence(time(notBefore), time(notAfter)),
    o.subject,
    o.spki,
    context(
      3,
      true,
      sequence(
        ...o.extensions,
        extension(OID.subjectKeyId, false, octetString(keyId(o.spki))),
        extension(OID.authorityKeyId, false, sequence(context(0, false, keyId(o.issuerSpki)))),
      ),
    ),
  );
  const der = sequence(tbs, algorithm, bitString(sign('sha256', tbs, o.signer)));
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

function newKey(): { privateKey: KeyObject; spki: Buffer; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

export interface LocalCa extends CertifiedKey {
  /** Issues a server certificate for these DNS names and IP addresses. */
  issue(names: string[], days?: number): CertifiedKey;
}

/** A new root (valid `days`, default 10 years) able to issue server certificates. */
export function createLocalCa(commonName = 'poste local CA', days = 3650, now = new Date()): LocalCa {
  const root = newKey();
  const subject = name(commonName);
  const cert = certificate({
    subject,
    issuer: subject,
    spki: root.spki,
    issuerSpki: root.spki,
    signer: root.privateKey,
    days,
    now,
    extensions: [
      extension(OID.basicConstraints, true, sequence(tlv(0x01, Uint8Array.of(0xff)))),
      // keyCertSign and cRLSign: bits 5 and 6.
      extension(OID.keyUsage, true, tlv(0x03, Uint8Array.of(1, 0x06))),
    ],
  });
  return {
    cert,
    key: root.pem,
    issue(names, leafDays = 825) {
      if (names.length === 0) throw new RangeError('a certificate needs at least one name');
      const leaf = newKey();
      // GeneralNames: dNSName [2] IA5String, iPAddress [7] OCTET STRING.
      const san = sequence(
        ...names.map((n) =>
          isIP(n) ? context(7, false, ipBytes(n)) : context(2, false, Buffer.from(n, 'ascii')),
        ),
      );
      return {
        cert: certificate({
          subject: name(names[0] as string),
          issuer: subject,
          spki: leaf.spki,
          issuerSpki: root.spki,
          signer: root.privateKey,
          days: leafDays,
          now,
          extensions: [
            extension(OID.basicConstraints, true, sequence()),
            // digitalSignature: bit 0.
            extension(OID.keyUsage, true, tlv(0x03, Uint8Array.of(7, 0x80))),
            extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
            extension(OID.subjectAltName, false, san),
          ],
        }),
        key: leaf.pem,
      };
    },
  };
}

function ipBytes(ip: string): Uint8Array {
  if (isIP(ip) === 4) return Uint8Array.from(ip.split('.').map(Number));
  // IPv6: expand "::".
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}
