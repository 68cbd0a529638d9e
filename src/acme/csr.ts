// Certificate signing requests (RFC 2986) for ACME's finalize (RFC 8555 §7.4): the names go
// in a subjectAltName extension; the subject's CN is the first name when it fits, as CAs
// still display it. Signed with the certificate key (ECDSA P-256 or RSA) through node:crypto.
import { createPublicKey, type KeyObject, sign } from 'node:crypto';
import {
  bitString,
  context,
  integer,
  nullValue,
  octetString,
  oid,
  sequence,
  set,
  utf8String,
} from './der.js';

const OID = {
  commonName: '2.5.4.3',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
};

/** The DER of a CSR for `names` (DNS names, wildcards allowed), signed with `key`. */
export function createCsr(names: string[], key: KeyObject): Uint8Array {
  if (names.length === 0) throw new RangeError('a certificate needs at least one name');
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const first = names[0] as string;
  const subject =
    first.length <= 64 ? sequence(set(sequence(oid(OID.commonName), utf8String(first)))) : sequence();
  // GeneralNames: dNSName is [2] IMPLICIT IA5String.
  const san = sequence(...names.map((n) => context(2, false, Buffer.from(n, 'ascii'))));
  const extensions = sequence(sequence(oid(OID.subjectAltName), octetString(san)));
  const attributes = context(0, true, sequence(oid(OID.extensionRequest), set(extensions)));
  const info = sequence(integer(0), subject, spki, attributes);
  const ec = key.asymmetricKeyType === 'ec';
  const algorithm = ec ? sequence(oid(OID.ecdsaWithSha256)) : sequence(oid(OID.sha256WithRsa), nullValue());
  const signature = sign('sha256', info, key);
  return sequence(info, algorithm, bitString(signature));
}
