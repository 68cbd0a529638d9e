// Key generation, the published record, and its zone-file form.
import { describe, expect, it } from 'vitest';
import { generateKey, loadSigningKey, parseKeyRecord, zoneTxtRecord } from '../../src/dkim/index.js';
import { parseZone, TYPE, txtString } from '../../src/dns/index.js';

describe('generateKey', () => {
  for (const [alg, type, bits] of [
    ['rsa-2048', 'rsa', 2048],
    ['ed25519', 'ed25519', 256],
  ] as const) {
    it(`${alg}: a PKCS#8 key that loads, and its record`, async () => {
      const k = await generateKey(alg);
      expect(k.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(loadSigningKey(k.privateKeyPem)).toMatchObject({ type, bits });
      const r = parseKeyRecord(k.record);
      expect(r).toMatchObject({ ok: true, record: { keyType: type } });
      if (r.ok) expect(r.record.publicKey.length).toBe(type === 'ed25519' ? 32 : 294);
    });
  }

  it('the zone line parses back to the record, in strings of at most 255 bytes', async () => {
    for (const alg of ['rsa-4096', 'ed25519'] as const) {
      const k = await generateKey(alg);
      const text = zoneTxtRecord('s1', 'example.org', k.record);
      const { records } = parseZone(text);
      expect(records).toHaveLength(1);
      const rr = records[0];
      expect(rr).toMatchObject({ name: 's1._domainkey.example.org.', type: TYPE.TXT, ttl: 3600 });
      const strings = rr?.data as Uint8Array[];
      expect(strings.every((s) => s.length <= 255)).toBe(true);
      expect(txtString(strings)).toBe(k.record);
      if (alg === 'rsa-4096') expect(strings.length).toBeGreaterThan(2);
    }
  });
});

describe('loadSigningKey', () => {
  it('imports a key given as text once: the same text gives the same key', async () => {
    const k = await generateKey('ed25519');
    const a = loadSigningKey(k.privateKeyPem);
    expect(loadSigningKey(`\n${k.privateKeyPem}\n`)).toBe(a);
    expect(loadSigningKey(a.key)).toMatchObject({ type: 'ed25519', bits: 256 });
    // A refusal is not remembered as a key.
    expect(() => loadSigningKey('not a key')).toThrow(/not a private key/);
    expect(() => loadSigningKey('not a key')).toThrow(/not a private key/);
  });
});
