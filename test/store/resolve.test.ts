import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildSnapshot,
  parseAliases,
  parseUsers,
  resolveRecipient,
  type Snapshot,
} from '../../src/store/index.js';

const HASH = '$scrypt$N=1024,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

function snapshot(domains: string[], users: string[], aliases: string): Snapshot {
  const u = parseUsers(users.map((a) => `${a}:${HASH}\n`).join(''));
  const a = parseAliases(aliases);
  expect([...u.problems, ...a.problems]).toEqual([]);
  return buildSnapshot(domains, u.entries, a.entries);
}

const local = (mailboxes: string[], forwards: string[] = [], unresolved: string[] = []) => ({
  kind: 'local',
  mailboxes,
  forwards,
  unresolved,
});

describe('resolveRecipient', () => {
  const s = snapshot(
    ['example.org', 'example.net'],
    ['Ada@example.org', 'bob@example.org', 'carol@example.net'],
    [
      'info@example.org: ada@example.org, bob@example.org',
      'team@example.org: info@example.org, carol@example.net, dave@remote.test',
      'copy@example.org: copy@example.org',
      'bob@example.org: bob@example.org, bob@remote.test',
      'list@example.org: ada@example.org, ghost@example.org',
      'empty@example.org: ghost@example.org',
      '@example.net: carol@example.net',
      'postmaster: ada@example.org',
    ].join('\n'),
  );

  it('finds users, matching the local part case-insensitively and giving it as written', () => {
    expect(resolveRecipient(s, 'ada@example.org')).toEqual(local(['Ada@example.org']));
    expect(resolveRecipient(s, 'ADA@EXAMPLE.ORG.')).toEqual(local(['Ada@example.org']));
    expect(resolveRecipient(s, '<ada@example.org>')).toEqual(local(['Ada@example.org']));
  });

  it('expands aliases recursively into mailboxes and forwards', () => {
    expect(resolveRecipient(s, 'info@example.org')).toEqual(
      local(['Ada@example.org', 'bob@example.org'], ['bob@remote.test']),
    );
    expect(resolveRecipient(s, 'team@example.org')).toEqual(
      local(
        ['Ada@example.org', 'bob@example.org', 'carol@example.net'],
        ['bob@remote.test', 'dave@remote.test'],
      ),
    );
  });

  it('lets an alias keep a copy in its own mailbox', () => {
    expect(resolveRecipient(s, 'bob@example.org')).toEqual(local(['bob@example.org'], ['bob@remote.test']));
  });

  it('reports unknown local targets, and an alias that leads nowhere as an error', () => {
    expect(resolveRecipient(s, 'list@example.org')).toEqual(
      local(['Ada@example.org'], [], ['ghost@example.org']),
    );
    expect(resolveRecipient(s, 'empty@example.org').kind).toBe('error');
    // An alias naming itself that is no user is a loop.
    expect(resolveRecipient(s, 'copy@example.org')).toEqual({
      kind: 'error',
      cause: 'loop',
      reason: 'alias loop: copy@example.org → copy@example.org',
    });
  });

  it('falls back from a subaddress to its base address', () => {
    expect(resolveRecipient(s, 'ada+news@example.org')).toEqual(local(['Ada@example.org']));
    expect(resolveRecipient(s, 'info+x@example.org')).toEqual(
      local(['Ada@example.org', 'bob@example.org'], ['bob@remote.test']),
    );
    expect(resolveRecipient(s, 'ghost+x@example.org')).toEqual({ kind: 'unknown' });
  });

  it('uses the catch-all last', () => {
    expect(resolveRecipient(s, 'anyone@example.net')).toEqual(local(['carol@example.net']));
    expect(resolveRecipient(s, 'anyone@example.org')).toEqual({ kind: 'unknown' });
  });

  it('always resolves postmaster of a hosted domain', () => {
    expect(resolveRecipient(s, 'postmaster@example.net')).toEqual(local(['Ada@example.org']));
    expect(resolveRecipient(s, 'PostMaster@example.org')).toEqual(local(['Ada@example.org']));
    expect(resolveRecipient(s, 'postmaster')).toEqual(local(['Ada@example.org']));
    // Without a postmaster line: the domain's first user, else its catch-all, else the store's first user.
    const t = snapshot(
      ['a.test', 'b.test', 'c.test'],
      ['zed@b.test', 'amy@a.test'],
      '@c.test: other@remote.test\n',
    );
    expect(resolveRecipient(t, 'postmaster@a.test')).toEqual(local(['amy@a.test']));
    expect(resolveRecipient(t, 'postmaster@b.test')).toEqual(local(['zed@b.test']));
    expect(resolveRecipient(t, 'postmaster@c.test')).toEqual(local([], ['other@remote.test']));
  });

  it('tells remote addresses from unknown local ones', () => {
    expect(resolveRecipient(s, 'ada@remote.test')).toEqual({ kind: 'remote' });
    expect(resolveRecipient(s, 'nobody@example.org')).toEqual({ kind: 'unknown' });
    expect(resolveRecipient(s, 'not an address')).toEqual({ kind: 'remote' });
  });

  it('keeps the local part through a domain catch-all', () => {
    const t = snapshot(['old.test', 'new.test'], ['ada@new.test'], '@old.test: @new.test\n');
    expect(resolveRecipient(t, 'ada@old.test')).toEqual(local(['ada@new.test']));
    expect(resolveRecipient(t, 'bob@old.test')).toEqual({
      kind: 'error',
      cause: 'nowhere',
      reason: 'bob@old.test leads to no mailbox (bob@new.test unknown)',
    });
  });

  it('reports loops as errors, never hangs', () => {
    const t = snapshot(
      ['x.test'],
      ['u@x.test'],
      [
        'a@x.test: b@x.test',
        'b@x.test: c@x.test',
        'c@x.test: a@x.test',
        'd@x.test: u@x.test, a@x.test',
        '@x.test: @x.test',
      ].join('\n'),
    );
    expect(resolveRecipient(t, 'a@x.test')).toEqual({
      kind: 'error',
      cause: 'loop',
      reason: 'alias loop: a@x.test → b@x.test → c@x.test → a@x.test',
    });
    expect(resolveRecipient(t, 'd@x.test').kind).toBe('error');
    expect(resolveRecipient(t, 'zz@x.test').kind).toBe('error');
  });

  it('bounds deep and wide expansions', () => {
    const chain = Array.from({ length: 30 }, (_, i) => `a${i}@x.test: a${i + 1}@x.test`).join('\n');
    const t = snapshot(['x.test'], ['a30@x.test'], chain);
    expect(resolveRecipient(t, 'a0@x.test').kind).toBe('error');
    expect(resolveRecipient(t, 'a15@x.test')).toEqual(local(['a30@x.test']));
    // A diamond lattice: 2^20 paths, cut off by the address budget.
    const lattice = Array.from(
      { length: 20 },
      (_, i) =>
        `l${i}@x.test: l${i + 1}@x.test, m${i + 1}@x.test\nm${i}@x.test: l${i + 1}@x.test, m${i + 1}@x.test`,
    ).join('\n');
    const w = snapshot(['x.test'], ['l20@x.test', 'm20@x.test'], lattice);
    expect(resolveRecipient(w, 'l0@x.test', { maxDepth: 50 })).toMatchObject({ kind: 'error' });
  });

  it('terminates with a verdict on random alias graphs', () => {
    const node = fc.integer({ min: 0, max: 7 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(node, fc.array(node, { minLength: 1, maxLength: 3 })), { maxLength: 12 }),
        fc.array(node, { maxLength: 3 }),
        node,
        (edges, users, start) => {
          const seen = new Set<number>();
          const lines = edges
            .filter(([from]) => !seen.has(from) && seen.add(from))
            .map(([from, to]) => `n${from}@g.test: ${to.map((t) => `n${t}@g.test`).join(', ')}`);
          const u = [...new Set(users)].map((n) => `n${n}@g.test`);
          const r = resolveRecipient(snapshot(['g.test'], u, lines.join('\n')), `n${start}@g.test`);
          expect(['local', 'unknown', 'error']).toContain(r.kind);
          if (r.kind === 'local') for (const m of r.mailboxes) expect(u).toContain(m);
        },
      ),
    );
  });
});
