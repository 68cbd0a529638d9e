import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKeySpec, type TsigKey } from '../../src/dns/tsig.js';
import { KEYS_FILE, keyPolicy, loadZoneKeys, parseKeysFile } from '../../src/dns/tsig-keys.js';

const S1 = 'Uo8pMfzfp2jxabjOajqaYMOdUpbDkM/8r8PAqmRjvoU=';
const S2 = 'aPFdq9F85zDD9o0TRhchz1JCpnLwaPHs3Fw2W37pJO0=';

const FILE = `# keys of the zones
xfr.example.org. hmac-sha256 ${S1}

ddns.example.org hmac-sha512 ${S2} home.example.org. Office.Example.Net   # two scopes
apex hmac-sha256 ${S2} example.com.
`;

describe('parseKeysFile', () => {
  it('reads one key a line with its scopes', () => {
    const keys = parseKeysFile(FILE, 'zones/tsig.keys');
    expect(keys.map((k) => [k.key.name, k.key.algorithm, k.scopes])).toEqual([
      ['xfr.example.org.', 'hmac-sha256.', []],
      ['ddns.example.org.', 'hmac-sha512.', ['home.example.org.', 'Office.Example.Net.']],
      ['apex.', 'hmac-sha256.', ['example.com.']],
    ]);
    expect(keys[0]?.key.secret).toEqual(new Uint8Array(Buffer.from(S1, 'base64')));
  });

  it('says file:line and never the secret', () => {
    const cases: [string, RegExp][] = [
      ['a hmac-sha256', /^z\/tsig\.keys:2: expected NAME ALGORITHM SECRET/],
      [`a hmac-md5 ${S1}`, /^z\/tsig\.keys:2: .*hmac-md5 is not supported/],
      [`a hmac-sha256 ${S1.slice(1)}`, /^z\/tsig\.keys:2: TSIG key a\.: secret is not base64$/],
      [`a hmac-sha256 ${S1} bad..scope`, /^z\/tsig\.keys:2: .*empty label/],
      [`x..y hmac-sha256 ${S1}`, /^z\/tsig\.keys:2: bad TSIG key name/],
      [
        `XFR.example.org hmac-sha256 ${S2}`,
        /^z\/tsig\.keys:2: key XFR\.example\.org\. already defined on line 1$/,
      ],
    ];
    for (const [line, re] of cases) {
      let msg = '';
      try {
        parseKeysFile(`xfr.example.org hmac-sha256 ${S1}\n${line}\n`, 'z/tsig.keys');
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg, line).toMatch(re);
      expect(msg).not.toContain(S1.slice(1, 20));
      expect(msg).not.toContain(S2.slice(0, 20));
    }
  });

  it('loads tsig.keys from a zones directory, or nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'poste-tsig-'));
    try {
      expect(loadZoneKeys(dir)).toEqual([]);
      writeFileSync(join(dir, KEYS_FILE), FILE);
      expect(loadZoneKeys(dir)).toHaveLength(3);
      writeFileSync(join(dir, KEYS_FILE), 'oops\n');
      expect(() => loadZoneKeys(dir)).toThrow(`${join(dir, KEYS_FILE)}:1: expected`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('keyPolicy', () => {
  const cli = parseKeySpec(`admin.example.org:${S1}`);
  const policy = keyPolicy([cli], parseKeysFile(FILE, 'tsig.keys'));
  const get = (name: string, alg = 'hmac-sha256.') => policy.lookup(name, alg) as TsigKey;

  it('finds keys by name, case-insensitively, and algorithm', () => {
    expect(get('ADMIN.example.org.')).toEqual(cli);
    expect(get('ddns.example.org.', 'hmac-sha512.').name).toBe('ddns.example.org.');
    expect(policy.lookup('ddns.example.org.', 'hmac-sha256.')).toBeUndefined();
    expect(policy.lookup('nobody.example.org.', 'hmac-sha256.')).toBeUndefined();
  });

  it('lets command-line keys and unscoped keys do everything', () => {
    for (const key of [cli, get('xfr.example.org.')]) {
      expect(policy.mayUpdate(key, 'www.example.org.')).toBe(true);
      expect(policy.mayTransfer(key, 'example.org.')).toBe(true);
      expect(policy.mayTransfer(key, 'other.test.')).toBe(true);
    }
  });

  it('lets a scoped key update at or below its scopes only', () => {
    const ddns = get('ddns.example.org.', 'hmac-sha512.');
    expect(policy.mayUpdate(ddns, 'home.example.org.')).toBe(true);
    expect(policy.mayUpdate(ddns, 'pc.HOME.example.org.')).toBe(true);
    expect(policy.mayUpdate(ddns, 'office.example.net.')).toBe(true);
    expect(policy.mayUpdate(ddns, 'example.org.')).toBe(false);
    expect(policy.mayUpdate(ddns, 'www.example.org.')).toBe(false);
    expect(policy.mayUpdate(ddns, 'xhome.example.org.')).toBe(false);
  });

  it('lets a scoped key transfer a zone whose apex is at or below a scope', () => {
    const ddns = get('ddns.example.org.', 'hmac-sha512.');
    // A scope inside the zone: the transfer would show the rest of it.
    expect(policy.mayTransfer(ddns, 'example.org.')).toBe(false);
    expect(policy.mayTransfer(ddns, 'home.example.org.')).toBe(true);
    expect(policy.mayTransfer(ddns, 'lab.home.example.org.')).toBe(true);
    const apex = get('apex.');
    expect(policy.mayTransfer(apex, 'example.com.')).toBe(true);
    expect(policy.mayTransfer(apex, 'example.org.')).toBe(false);
    expect(policy.mayUpdate(apex, 'mail.example.com.')).toBe(true);
  });

  it('grants nothing to a key it does not hold, or with another secret', () => {
    const stranger = parseKeySpec(`stranger.:${S1}`);
    expect(policy.mayUpdate(stranger, 'www.example.org.')).toBe(false);
    expect(policy.mayTransfer(stranger, 'example.org.')).toBe(false);
    const forged = parseKeySpec(`admin.example.org:${S2}`);
    expect(policy.mayTransfer(forged, 'example.org.')).toBe(false);
  });

  it('merges a key defined twice the same way, and refuses two secrets under one name', () => {
    const scoped = parseKeysFile(`admin.example.org hmac-sha256 ${S1} example.com.\n`, 'f');
    const merged = keyPolicy([cli], scoped);
    expect(merged.mayTransfer(get('admin.example.org.'), 'example.org.')).toBe(true);
    const a = parseKeysFile(`k hmac-sha256 ${S1} a.test.\n`, 'f');
    const b = parseKeysFile(`k hmac-sha256 ${S1} b.test.\n`, 'f');
    const both = keyPolicy([], [...a, ...b]);
    const k = both.lookup('k.', 'hmac-sha256.') as TsigKey;
    expect(both.mayUpdate(k, 'x.a.test.')).toBe(true);
    expect(both.mayUpdate(k, 'x.b.test.')).toBe(true);
    expect(both.mayUpdate(k, 'x.c.test.')).toBe(false);
    expect(() => keyPolicy([parseKeySpec(`k:${S2}`)], a)).toThrow(/defined twice/);
  });

  it('with no keys, allows nothing', () => {
    const none = keyPolicy([], []);
    expect(none.lookup('admin.example.org.', 'hmac-sha256.')).toBeUndefined();
    expect(none.mayTransfer(cli, 'example.org.')).toBe(false);
  });
});
