// Where mail for an address goes: pure, over a snapshot of the store's files. The order for
// local@domain, when the domain is hosted (docs/store.md):
//   1. an alias of that address (local parts compared case-insensitively);
//   2. a user of that address;
//   3. with a subaddress (ada+news, RFC 5233): 1 and 2 for the base address (ada);
//   4. postmaster (RFC 5321 §4.5.1): the `postmaster:` line of aliases, else the domain's
//      first user, else the domain's catch-all, else the store's first user;
//   5. the domain's catch-all (@domain);
//   6. nothing: unknown.
// Alias targets are expanded the same way, recursively: a hosted target is looked up again,
// any other is a forward. An alias may name itself (or come back to an address on its path)
// to keep a copy in a mailbox; a cycle that reaches no user is a loop, reported as an error.
import { type Address, addressKey, baseLocalPart, formatAddress, parseAddress } from './address.js';
import type { AliasEntry, Target, UserEntry } from './files.js';

export type Recipient =
  /** Ours: deliver into these mailboxes (user addresses as written in users) and forward to these. */
  | { kind: 'local'; mailboxes: string[]; forwards: string[]; unresolved: string[] }
  /** A hosted domain without such a user, alias or catch-all. */
  | { kind: 'unknown' }
  /** Not a hosted domain (or not an address): not ours to resolve. */
  | { kind: 'remote' }
  /** The aliases loop, go too deep or too wide, or lead nowhere: the cause, for the bounce and the log. */
  | { kind: 'error'; cause: 'loop' | 'depth' | 'breadth' | 'nowhere'; reason: string };

export interface ResolveLimits {
  /** Aliases followed in a chain (default 20). */
  maxDepth?: number;
  /** Addresses visited in one expansion (default 1000). */
  maxAddresses?: number;
}

/** The parsed store, indexed. */
export interface Snapshot {
  /** Hosted domains, in file order. */
  domains: string[];
  hosted: ReadonlySet<string>;
  /** By addressKey, in file order. */
  users: ReadonlyMap<string, UserEntry>;
  /** Address aliases by addressKey. */
  aliases: ReadonlyMap<string, AliasEntry>;
  /** Catch-alls by domain. */
  catchAll: ReadonlyMap<string, AliasEntry>;
  postmaster: AliasEntry | undefined;
}

export function buildSnapshot(domains: string[], users: UserEntry[], aliases: AliasEntry[]): Snapshot {
  const byAddress = new Map<string, AliasEntry>();
  const catchAll = new Map<string, AliasEntry>();
  let postmaster: AliasEntry | undefined;
  for (const a of aliases) {
    if (a.key.kind === 'address') byAddress.set(addressKey(a.key.address), a);
    else if (a.key.kind === 'catch-all') catchAll.set(a.key.domain, a);
    else postmaster = a;
  }
  return {
    domains,
    hosted: new Set(domains),
    users: new Map(users.map((u) => [addressKey(u.address), u])),
    aliases: byAddress,
    catchAll,
    postmaster,
  };
}

type Definition = { kind: 'user'; user: UserEntry } | { kind: 'alias'; targets: Target[] } | undefined;

function firstUser(s: Snapshot, domain?: string): UserEntry | undefined {
  for (const u of s.users.values()) if (domain === undefined || u.address.domain === domain) return u;
  return undefined;
}

function define(s: Snapshot, a: Address): Definition {
  const key = addressKey(a);
  const alias = s.aliases.get(key);
  if (alias) return { kind: 'alias', targets: alias.targets };
  const user = s.users.get(key);
  if (user) return { kind: 'user', user };
  const base = baseLocalPart(a.local);
  if (base !== undefined) {
    const d = define(s, { local: base, domain: a.domain });
    // The base's catch-all and postmaster are the catch-all's business, below.
    if (d && (d.kind === 'user' || s.aliases.has(addressKey({ local: base, domain: a.domain })))) return d;
  }
  const catchAll = s.catchAll.get(a.domain);
  if (a.local.toLowerCase() === 'postmaster') {
    if (s.postmaster) return { kind: 'alias', targets: s.postmaster.targets };
    const user = firstUser(s, a.domain) ?? (catchAll ? undefined : firstUser(s));
    if (user) return { kind: 'user', user };
  }
  if (catchAll) {
    // "@other.example" keeps the local part; any other target is taken as written.
    return {
      kind: 'alias',
      targets: catchAll.targets.map((t) => (t.local === '' ? { local: a.local, domain: t.domain } : t)),
    };
  }
  return undefined;
}

/** The recipient an address resolves to; see the order above. Never throws. */
export function resolveRecipient(s: Snapshot, text: string, limits: ResolveLimits = {}): Recipient {
  const maxDepth = limits.maxDepth ?? 20;
  const maxAddresses = limits.maxAddresses ?? 1000;
  // RFC 5321 §4.1.1.3: <Postmaster> without a domain is the postmaster of the first domain.
  const bare = text.trim().replace(/^<(.*)>$/, '$1');
  const first = s.domains[0];
  const address =
    bare.toLowerCase() === 'postmaster'
      ? first
        ? { local: bare, domain: first }
        : undefined
      : parseAddress(bare);
  if (!address) return bare.toLowerCase() === 'postmaster' ? { kind: 'unknown' } : { kind: 'remote' };
  if (!s.hosted.has(address.domain)) return { kind: 'remote' };

  const mailboxes = new Map<string, string>();
  const forwards = new Map<string, string>();
  const unresolved: string[] = [];
  let visited = 0;

  type Failure = { cause: 'loop' | 'depth' | 'breadth'; error: string };
  const tooWide = (): Failure => ({
    cause: 'breadth',
    error: `aliases expand to more than ${maxAddresses} addresses`,
  });
  // 'ok', 'unknown', or an error.
  const expand = (a: Address, path: string[]): 'ok' | 'unknown' | Failure => {
    const key = addressKey(a);
    if (++visited > maxAddresses) return tooWide();
    if (path.includes(key)) {
      const user = s.users.get(key);
      if (user) {
        mailboxes.set(key, formatAddress(user.address));
        return 'ok';
      }
      return { cause: 'loop', error: `alias loop: ${[...path, key].join(' → ')}` };
    }
    if (path.length >= maxDepth)
      return { cause: 'depth', error: `aliases nested deeper than ${maxDepth}: ${path.join(' → ')}` };
    const d = define(s, a);
    if (!d) return 'unknown';
    if (d.kind === 'user') {
      mailboxes.set(addressKey(d.user.address), formatAddress(d.user.address));
      return 'ok';
    }
    for (const t of d.targets) {
      if (!s.hosted.has(t.domain)) {
        if (++visited > maxAddresses) return tooWide();
        forwards.set(addressKey(t), formatAddress(t));
        continue;
      }
      const r = expand(t, [...path, key]);
      if (typeof r === 'object') return r;
      if (r === 'unknown') unresolved.push(formatAddress(t));
    }
    return 'ok';
  };

  const r = expand(address, []);
  if (typeof r === 'object') return { kind: 'error', cause: r.cause, reason: r.error };
  if (r === 'unknown') return { kind: 'unknown' };
  if (mailboxes.size === 0 && forwards.size === 0)
    return {
      kind: 'error',
      cause: 'nowhere',
      reason: `${formatAddress(address)} leads to no mailbox (${unresolved.join(', ')} unknown)`,
    };
  return { kind: 'local', mailboxes: [...mailboxes.values()], forwards: [...forwards.values()], unresolved };
}
