// Which TSIG key may do what on the primary. Keys given on the command line (--tsig-key)
// may transfer and update every zone. Keys kept with the zones, in `tsig.keys` of the zones
// directory, may be limited to parts of the tree, one key a line:
//
//   NAME ALGORITHM SECRET [SCOPE ...]     # e.g. "ddns.example.org. hmac-sha256 c2Vj… home.example.org."
//
// A key may UPDATE a name at or below one of its scopes and AXFR a zone whose apex is at or
// below one of them (a scope inside a zone would leak the rest of the zone); no scope is
// the whole tree.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSubdomain, nameKey, namesEqual, normalizeName } from './name.js';
import { makeKey, type TsigKey } from './tsig.js';

export const KEYS_FILE = 'tsig.keys';

export interface ScopedKey {
  key: TsigKey;
  /** Canonical names; empty means everything. */
  scopes: string[];
}

export interface KeyPolicy {
  /** The key a message names, when we hold it under that algorithm. */
  lookup(name: string, algorithm: string): TsigKey | undefined;
  mayUpdate(key: TsigKey, name: string): boolean;
  mayTransfer(key: TsigKey, zone: string): boolean;
}

export class KeysFileError extends Error {
  override name = 'KeysFileError';
}

/** Reads a tsig.keys text; errors are `file:line: what` and never quote a secret. */
export function parseKeysFile(text: string, file: string): ScopedKey[] {
  const out: ScopedKey[] = [];
  const seen = new Map<string, number>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const where = `${file}:${i + 1}`;
    const fields = line.split(/\s+/);
    if (fields.length < 3) throw new KeysFileError(`${where}: expected NAME ALGORITHM SECRET [SCOPE ...]`);
    const [name, alg, secret, ...scopes] = fields as [string, string, string, ...string[]];
    let entry: ScopedKey;
    try {
      entry = { key: makeKey(name, alg, secret), scopes: scopes.map((s) => normalizeName(s)) };
    } catch (e) {
      throw new KeysFileError(`${where}: ${(e as Error).message}`);
    }
    const first = seen.get(nameKey(entry.key.name));
    if (first !== undefined)
      throw new KeysFileError(`${where}: key ${entry.key.name} already defined on line ${first}`);
    seen.set(nameKey(entry.key.name), i + 1);
    out.push(entry);
  }
  return out;
}

/** The keys of `tsig.keys` in a zones directory; none when there is no such file. */
export function loadZoneKeys(zonesDir: string): ScopedKey[] {
  const file = join(zonesDir, KEYS_FILE);
  return existsSync(file) ? parseKeysFile(readFileSync(file, 'utf8'), file) : [];
}

function sameKey(a: TsigKey, b: TsigKey): boolean {
  return namesEqual(a.algorithm, b.algorithm) && Buffer.from(a.secret).equals(Buffer.from(b.secret));
}

/**
 * The policy over the command line's keys (everything) and the zones' scoped keys. A name
 * defined twice must be the same key (a command-line key then keeps its full rights);
 * two different secrets under one name throw, since a peer could not tell which is meant.
 */
export function keyPolicy(globalKeys: readonly TsigKey[], scopedKeys: readonly ScopedKey[]): KeyPolicy {
  // By key name: the key and its scopes (undefined = everything).
  const byName = new Map<string, { key: TsigKey; scopes: string[] | undefined }>();
  const add = (key: TsigKey, scopes: string[] | undefined) => {
    const k = nameKey(key.name);
    const had = byName.get(k);
    if (had && !sameKey(had.key, key))
      throw new KeysFileError(`TSIG key ${key.name} is defined twice, differently`);
    const mine = scopes && scopes.length > 0 ? scopes : undefined;
    // Twice the same key: the rights add up.
    const merged = had ? (had.scopes && mine ? [...had.scopes, ...mine] : undefined) : mine;
    byName.set(k, { key: had?.key ?? key, scopes: merged });
  };
  for (const key of globalKeys) add(key, undefined);
  for (const s of scopedKeys) add(s.key, s.scopes);

  const entry = (key: TsigKey) => {
    const e = byName.get(nameKey(key.name));
    return e && sameKey(e.key, key) ? e : undefined;
  };
  return {
    lookup(name, algorithm) {
      const e = byName.get(nameKey(name));
      return e && namesEqual(e.key.algorithm, algorithm) ? e.key : undefined;
    },
    mayUpdate(key, name) {
      const e = entry(key);
      return !!e && (e.scopes === undefined || e.scopes.some((s) => isSubdomain(name, s)));
    },
    mayTransfer(key, zone) {
      const e = entry(key);
      return !!e && (e.scopes === undefined || e.scopes.some((s) => isSubdomain(zone, s)));
    },
  };
}
