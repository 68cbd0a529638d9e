// The macro language: RFC 7208 §7.4's examples, every letter, the transformers, delimiters,
// the escapes, URL-escaping of upper-case letters, and the syntax errors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIP } from '../../src/dns/index.js';
import {
  expandMacroString,
  type MacroFacts,
  macroValues,
  parseMacroString,
  urlEscape,
} from '../../src/spf/index.js';

/** Parses and expands, failing the test on a syntax error. */
function expand(text: string, facts: Partial<MacroFacts> = {}, explanation = false): string {
  const ms = parseMacroString(text, explanation);
  if ('error' in ms) throw new Error(ms.error);
  return expandMacroString(ms, macroValues({ ...RFC, ...facts }));
}

function error(text: string, explanation = false): string | undefined {
  const ms = parseMacroString(text, explanation);
  return 'error' in ms ? ms.error : undefined;
}

// §7.4: "The <sender> is strong-bad@email.example.com. The IPv4 SMTP client IP is 192.0.2.3.
// The IPv6 SMTP client IP is 2001:db8::cb01. The PTR domain name of the client IP is
// mx.example.org."
const RFC: MacroFacts = {
  ip: parseIP('192.0.2.3') as Uint8Array,
  sender: 'strong-bad@email.example.com',
  domain: 'email.example.com',
  validatedName: 'mx.example.org',
};
const V6 = { ip: parseIP('2001:db8::cb01') as Uint8Array };

describe('RFC 7208 §7.4 examples', () => {
  it.each([
    ['%{s}', 'strong-bad@email.example.com'],
    ['%{o}', 'email.example.com'],
    ['%{d}', 'email.example.com'],
    ['%{d4}', 'email.example.com'],
    ['%{d3}', 'email.example.com'],
    ['%{d2}', 'example.com'],
    ['%{d1}', 'com'],
    ['%{dr}', 'com.example.email'],
    ['%{d2r}', 'example.email'],
    ['%{l}', 'strong-bad'],
    ['%{l-}', 'strong.bad'],
    ['%{lr}', 'strong-bad'],
    ['%{lr-}', 'bad.strong'],
    ['%{l1r-}', 'strong'],
  ])('%s → %s', (macro, want) => {
    expect(expand(macro)).toBe(want);
  });

  it.each([
    ['%{ir}.%{v}._spf.%{d2}', '3.2.0.192.in-addr._spf.example.com'],
    ['%{lr-}.lp._spf.%{d2}', 'bad.strong.lp._spf.example.com'],
    ['%{lr-}.lp.%{ir}.%{v}._spf.%{d2}', 'bad.strong.lp.3.2.0.192.in-addr._spf.example.com'],
    ['%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}', '3.2.0.192.in-addr.strong.lp._spf.example.com'],
    ['%{d2}.trusted-domains.example.net', 'example.com.trusted-domains.example.net'],
  ])('%s → %s (IPv4)', (macro, want) => {
    expect(expand(macro)).toBe(want);
  });

  it('expands an IPv6 client in nibbles', () => {
    expect(expand('%{ir}.%{v}._spf.%{d2}', V6)).toBe(
      '1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com',
    );
  });
});

describe('letters', () => {
  it('gives every letter its value, the explanation-only ones included', () => {
    const facts = { helo: 'mail.example.org', receiver: 'mx.example.net', now: 1_700_000_000.7 };
    expect(expand('%{h} %{c} %{r} %{t} %{p} %{v} %{i}', facts, true)).toBe(
      'mail.example.org 192.0.2.3 mx.example.net 1700000000 mx.example.org in-addr 192.0.2.3',
    );
    expect(expand('%{c} %{v}', V6, true)).toBe('2001:db8::cb01 ip6');
  });

  it('reads "unknown" for an unknown receiver and validated name', () => {
    expect(expand('%{r} %{p}', { validatedName: undefined }, true)).toBe('unknown unknown');
  });

  it('URL-escapes upper-case letters after the transformers (§7.3)', () => {
    const sender = '~jack&jill=up-a_b3.c@e8.example.com';
    expect(expand('%{L}', { sender })).toBe('~jack%26jill%3Dup-a_b3.c');
    expect(expand('%{L}', { sender: 'ü b@x.org' })).toBe('%C3%BC%20b');
    expect(expand('%{S}', { sender: 'a+b@x.org' })).toBe('a%2Bb%40x.org');
    expect(expand('%{D2R}')).toBe('example.email');
  });

  it('splits on several delimiters and joins with dots', () => {
    expect(expand('%{l2r+-}', { sender: 'foo-bar+zip+quux@e12.example.com' })).toBe('bar.foo');
    expect(expand('%{lr=,/_}', { sender: 'a=b,c/d_e@x.org' })).toBe('e.d.c.b.a');
    expect(expand('%{d99}')).toBe('email.example.com');
  });

  it('decodes the escapes %%, %_ and %-', () => {
    expect(expand('macro%%percent%_%_space%-url-space.example.com')).toBe(
      'macro%percent  space%20url-space.example.com',
    );
  });

  it('keeps the case of a letter in its value, whatever the case of the letter', () => {
    expect(expand('%{l}.%{L}', { sender: 'Ab@x.org' })).toBe('Ab.Ab');
  });
});

describe('syntax', () => {
  it.each([
    ['%', /followed by/],
    ['foo%.bar', /followed by/],
    ['%(ir).sbl.example.com', /followed by/],
    ['%{', /unclosed/],
    ['%{d', /unclosed/],
    ['%{a}', /unknown macro/],
    ['%{}', /unknown macro/],
    ['%{d0}', /zero parts/],
    ['%{d2r;}', /delimiter/],
    ['%{d }', /delimiter/],
    ['a b', /not allowed/],
    ['a\u0080b', /U\+0080/],
    ['a\rb', /U\+000D/],
  ])('rejects %j', (text, why) => {
    expect(error(text)).toMatch(why);
  });

  it('allows c, r, t and spaces only in explanation strings', () => {
    for (const l of ['c', 'r', 't', 'C', 'R', 'T']) {
      expect(error(`%{${l}}`)).toMatch(/outside an explanation/);
      expect(error(`%{${l}}`, true)).toBeUndefined();
    }
    expect(error('two words', true)).toBeUndefined();
  });

  it('never throws, and expands whatever it accepts', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'%{}_-.rR0123slodiphcrtvSLODIPHVx =+,/a '.split('')) }),
        (s) => {
          for (const explanation of [false, true]) {
            const ms = parseMacroString(s, explanation);
            if (!('error' in ms)) expect(typeof expandMacroString(ms, macroValues(RFC))).toBe('string');
          }
        },
      ),
      { seed: 7208, numRuns: 2000 },
    );
  });
});

describe('urlEscape', () => {
  it('keeps the unreserved set of RFC 3986 and escapes the rest by UTF-8 byte', () => {
    expect(urlEscape("AZaz09-._~ !*'()%/@")).toBe('AZaz09-._~%20%21%2A%27%28%29%25%2F%40');
  });
});
