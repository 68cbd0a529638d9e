// JSON Web Signatures as ACME uses them (RFC 8555 §6.2, RFC 7515 flattened form): ES256 with
// a P-256 key (signature as r||s, RFC 7518 §3.4) or RS256; the JWK of the public key and its
// RFC 7638 thumbprint, which key authorizations are built from.
import { createHash, createPublicKey, type JsonWebKey, type KeyObject, sign } from 'node:crypto';

export interface Jws {
  protected: string;
  payload: string;
  signature: string;
}

export const b64url = (data: Uint8Array | string) => Buffer.from(data).toString('base64url');

/** The JWS algorithm a key signs with. */
export function jwsAlgorithm(key: KeyObject): 'ES256' | 'RS256' {
  if (key.asymmetricKeyType === 'ec') {
    if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new RangeError('ACME EC keys must be P-256');
    return 'ES256';
  }
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  throw new RangeError(`unsupported account key type ${key.asymmetricKeyType}`);
}

/** The public JWK with only the members RFC 7638 orders for the thumbprint. */
export function publicJwk(key: KeyObject): JsonWebKey {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  return jwk.kty === 'EC'
    ? { crv: jwk.crv, kty: 'EC', x: jwk.x, y: jwk.y }
    : { e: jwk.e, kty: 'RSA', n: jwk.n };
}

/** RFC 7638: SHA-256 of the required members in lexicographic order, base64url. */
export function thumbprint(key: KeyObject): string {
  return b64url(
    createHash('sha256')
      .update(JSON.stringify(publicJwk(key)))
      .digest(),
  );
}

/**
 * Signs a payload (an object, or undefined for POST-as-GET's empty payload) with the given
 * protected header members (nonce, url, and jwk or kid).
 */
export function signJws(key: KeyObject, header: Record<string, unknown>, payload: unknown): Jws {
  const protectedB64 = b64url(JSON.stringify({ alg: jwsAlgorithm(key), ...header }));
  const payloadB64 = payload === undefined ? '' : b64url(JSON.stringify(payload));
  const input = `${protectedB64}.${payloadB64}`;
  const signature =
    key.asymmetricKeyType === 'ec'
      ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), key);
  return { protected: protectedB64, payload: payloadB64, signature: b64url(signature) };
}
