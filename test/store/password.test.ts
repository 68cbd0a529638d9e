import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPassword, hashPassword, parsePasswordHash } from '../../src/store/index.js';

const FAST = { N: 1024, r: 8, p: 1 };

describe('password hashes', () => {
  it('hashes with a fresh salt and verifies', async () => {
    const a = await hashPassword('correct horse', FAST);
    const b = await hashPassword('correct horse', FAST);
    expect(a).toMatch(/^\$scrypt\$N=1024,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await checkPassword('correct horse', parsePasswordHash(a))).toBe(true);
    expect(await checkPassword('correct horsf', parsePasswordHash(a))).toBe(false);
    // No hash (an unknown user): false, after the same work.
    expect(await checkPassword('correct horse', undefined)).toBe(false);
  });

  it('compares passwords in NFC', async () => {
    const h = parsePasswordHash(await hashPassword('caf\u00e9', FAST));
    expect(await checkPassword('cafe\u0301', h)).toBe(true);
  });

  it('refuses parameters that would exhaust memory, and bad text', () => {
    const salt = 'AAAAAAAAAAAAAAAAAAAAAA==';
    const hash = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    expect(parsePasswordHash(`$scrypt$N=16384,r=8,p=1$${salt}$${hash}`)).toBeDefined();
    for (const params of [
      'N=1000,r=8,p=1',
      'N=2097152,r=8,p=1',
      'N=1024,r=64,p=1',
      'N=1024,r=0,p=1',
      'N=1024,r=8,p=17',
    ])
      expect(parsePasswordHash(`$scrypt$${params}$${salt}$${hash}`), params).toBeUndefined();
    expect(parsePasswordHash(`$scrypt$N=1024,r=8,p=1$${salt}$AAAA`)).toBeUndefined();
    expect(parsePasswordHash('$2b$10$abcdefghijklmnopqrstuv')).toBeUndefined();
  });

  it('parsing never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => void parsePasswordHash(s)));
  });

  it('hash → parse → check round-trips any password', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), async (pw) => {
        const h = parsePasswordHash(await hashPassword(pw, { N: 16, r: 1, p: 1 }));
        expect(h).toBeDefined();
        expect(await checkPassword(pw, h)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});
