// The store's plain-text files, read and edited line by line so that an operator's comments
// and order survive every change (docs/store.md). Readers never throw: every bad line comes
// back as a problem with its number, and the store refuses to serve or change a file that
// has any.
//
//   domains   example.org                                  one hosted domain a line
//   users     ada@example.org:$scrypt$N=16384,r=8,p=1$…$…  the users file of `poste srv --users`
//   aliases   ada@example.org: ada@example.org, ada@elsewhere.net
//             @example.org: ada@example.org                 the catch-all of a domain
//             @old.example: @example.org                    …or the same local part elsewhere
//             postmaster: ada@example.org                   postmaster of every hosted domain
//
// Blank lines and lines starting with "#" are comments.
import { type Address, addressKey, formatAddress, parseAddress, parseDomain } from './address.js';
import { type PasswordHash, parsePasswordHash } from './password.js';

export interface Problem {
  /** 1-based. */
  line: number;
  message: string;
}

export interface Parsed<T> {
  entries: T[];
  problems: Problem[];
}

/** The lines of a text, each with its 0-based index; comments and blanks left out. */
function contentLines(text: string): { index: number; text: string }[] {
  const out: { index: number; text: string }[] = [];
  text.split('\n').forEach((raw, index) => {
    const t = raw.trim();
    if (t !== '' && !t.startsWith('#')) out.push({ index, text: t });
  });
  return out;
}

// ---------------------------------------------------------------------------------------
// domains

export interface DomainEntry {
  domain: string;
  /** 0-based line index in the file. */
  index: number;
}

export function parseDomains(text: string): Parsed<DomainEntry> {
  const entries: DomainEntry[] = [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const { index, text: t } of contentLines(text)) {
    const domain = parseDomain(t);
    if (!domain) problems.push({ line: index + 1, message: 'not a domain name' });
    else if (seen.has(domain)) problems.push({ line: index + 1, message: `${domain} is listed twice` });
    else {
      seen.add(domain);
      entries.push({ domain, index });
    }
  }
  return { entries, problems };
}

// ---------------------------------------------------------------------------------------
// users

export interface UserEntry {
  address: Address;
  /** The hash as written. */
  hashText: string;
  hash: PasswordHash;
  index: number;
}

export function formatUserLine(address: Address, hashText: string): string {
  return `${formatAddress(address)}:${hashText}`;
}

export function parseUsers(text: string): Parsed<UserEntry> {
  const entries: UserEntry[] = [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const { index, text: t } of contentLines(text)) {
    const colon = t.indexOf(':');
    const address = colon > 0 ? parseAddress(t.slice(0, colon)) : undefined;
    const hashText = t.slice(colon + 1);
    const hash = colon > 0 ? parsePasswordHash(hashText) : undefined;
    if (!address) problems.push({ line: index + 1, message: 'expected local@domain:$scrypt$…' });
    else if (!hash) problems.push({ line: index + 1, message: 'not a $scrypt$ password hash' });
    else if (seen.has(addressKey(address)))
      problems.push({ line: index + 1, message: `${formatAddress(address)} is listed twice` });
    else {
      seen.add(addressKey(address));
      entries.push({ address, hashText, hash, index });
    }
  }
  return { entries, problems };
}

// ---------------------------------------------------------------------------------------
// aliases

/** What an alias line defines. */
export type AliasKey =
  | { kind: 'address'; address: Address }
  | { kind: 'catch-all'; domain: string }
  /** The postmaster of every hosted domain that has no postmaster of its own. */
  | { kind: 'postmaster' };

/** A target: an address, or (catch-all lines only) a domain, keeping the local part: local ''. */
export type Target = Address;

export interface AliasEntry {
  key: AliasKey;
  targets: Target[];
  index: number;
}

export function parseAliasKey(text: string): AliasKey | undefined {
  const t = text.trim();
  if (t.toLowerCase() === 'postmaster') return { kind: 'postmaster' };
  if (t.startsWith('@')) {
    const domain = parseDomain(t.slice(1));
    return domain ? { kind: 'catch-all', domain } : undefined;
  }
  const address = parseAddress(t);
  return address ? { kind: 'address', address } : undefined;
}

export function formatAliasKey(key: AliasKey): string {
  return key.kind === 'postmaster'
    ? 'postmaster'
    : key.kind === 'catch-all'
      ? `@${key.domain}`
      : formatAddress(key.address);
}

/** The identity of an alias line: two lines with one key are an error. */
export function aliasKeyId(key: AliasKey): string {
  return key.kind === 'address' ? addressKey(key.address) : formatAliasKey(key);
}

export function parseTarget(text: string, key: AliasKey): Target | undefined {
  const t = text.trim();
  if (t.startsWith('@')) {
    if (key.kind !== 'catch-all') return undefined;
    const domain = parseDomain(t.slice(1));
    return domain ? { local: '', domain } : undefined;
  }
  return parseAddress(t);
}

export function formatTarget(t: Target): string {
  return t.local === '' ? `@${t.domain}` : formatAddress(t);
}

export function targetKey(t: Target): string {
  return t.local === '' ? `@${t.domain}` : addressKey(t);
}

export function formatAliasLine(key: AliasKey, targets: readonly Target[]): string {
  return `${formatAliasKey(key)}: ${targets.map(formatTarget).join(', ')}`;
}

export function parseAliases(text: string): Parsed<AliasEntry> {
  const entries: AliasEntry[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  for (const { index, text: t } of contentLines(text)) {
    const line = index + 1;
    const colon = t.indexOf(':');
    const key = colon > 0 ? parseAliasKey(t.slice(0, colon)) : undefined;
    if (!key) {
      problems.push({ line, message: 'expected local@domain: target, … (or @domain:, postmaster:)' });
      continue;
    }
    const fields = t
      .slice(colon + 1)
      .split(',')
      .map((s) => s.trim());
    if (fields.every((f) => f === '')) {
      problems.push({ line, message: `${formatAliasKey(key)} has no target` });
      continue;
    }
    const targets: Target[] = [];
    const bad = fields.filter((f) => {
      const target = parseTarget(f, key);
      if (target && !targets.some((x) => targetKey(x) === targetKey(target))) targets.push(target);
      return !target;
    });
    if (bad.length > 0) {
      problems.push({
        line,
        message: `not a target address: ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
      });
      continue;
    }
    const id = aliasKeyId(key);
    const first = seen.get(id);
    if (first !== undefined) {
      problems.push({ line, message: `${formatAliasKey(key)} already defined on line ${first}` });
      continue;
    }
    seen.set(id, line);
    entries.push({ key, targets, index });
  }
  return { entries, problems };
}

// ---------------------------------------------------------------------------------------
// Line edits, keeping everything else as it was.

/** The text with one line added at the end (the text ending with a newline). */
export function appendLine(text: string, line: string): string {
  const base = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return `${base}${line}\n`;
}

/** The text with line `index` replaced, or removed when `line` is undefined. */
export function replaceLine(text: string, index: number, line: string | undefined): string {
  const lines = text.split('\n');
  if (line === undefined) lines.splice(index, 1);
  else lines[index] = line;
  return lines.join('\n');
}

/** Problems as one message: `users:3: what; users:7: what`. */
export function describeProblems(file: string, problems: readonly Problem[]): string {
  return problems.map((p) => `${file}:${p.line}: ${p.message}`).join('; ');
}
