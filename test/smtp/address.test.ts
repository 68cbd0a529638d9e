import { describe, expect, it } from 'vitest';
import { parseAddress, parsePath } from '../../src/smtp/index.js';

const ascii = { utf8: false, allowNull: true };
const utf8 = { utf8: true, allowNull: true };

describe('envelope addresses (RFC 5321 §4.1.2)', () => {
  it.each([
    ['<user@example.org>', 'user', 'example.org'],
    ['<first.last+tag@sub.example.org>', 'first.last+tag', 'sub.example.org'],
    ['<"quoted local"@example.org>', '"quoted local"', 'example.org'],
    ['<"a\\"b"@example.org>', '"a\\"b"', 'example.org'],
    ['<user@[192.0.2.1]>', 'user', '[192.0.2.1]'],
    ['<user@[IPv6:2001:db8::1]>', 'user', '[IPv6:2001:db8::1]'],
    ['<@relay.example,@other.example:user@example.org>', 'user', 'example.org'],
  ])('accepts %s', (path, local, domain) => {
    expect(parsePath(path, ascii)).toEqual({ ok: true, address: { local, domain }, rest: '' });
  });

  it.each([
    '<>x',
    'user@example.org',
    '<user>',
    '<.user@example.org>',
    '<us..er@example.org>',
    '<user.@example.org>',
    '<user@-bad.example>',
    '<user@example.org.>',
    '<user@exa mple.org>',
    '<user@[300.0.0.1]>',
    '<"unterminated@example.org>',
    `<${'a'.repeat(65)}@example.org>`,
  ])('refuses %s', (path) => {
    const r = parsePath(path, ascii);
    expect(r.ok && r.rest === '').toBe(false);
  });

  it('takes UTF-8 only under SMTPUTF8 (RFC 6531 §3.3)', () => {
    expect(parsePath('<jörg@bücher.example>', ascii)).toMatchObject({ ok: false, utf8: true });
    expect(parsePath('<jörg@bücher.example>', utf8)).toMatchObject({
      ok: true,
      address: { local: 'jörg', domain: 'bücher.example' },
    });
    expect(parsePath('<"jö rg"@example.org>', utf8)).toMatchObject({ ok: true });
  });

  it('the null path only where allowed', () => {
    expect(parsePath('<>', ascii)).toEqual({ ok: true, address: null, rest: '' });
    expect(parsePath('<>', { utf8: false, allowNull: false }).ok).toBe(false);
    expect(parseAddress('a@b.example')).toEqual({ local: 'a', domain: 'b.example' });
    expect(parseAddress('nope')).toBeUndefined();
  });
});
