// Authentication-Results: the parser on RFC 8601's examples and on anything at all, the
// format → parse round trip, and the forgery filter against a plain reference on any chunking.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AuthResError,
  type AuthResMethod,
  authResultsEntries,
  createAuthResFilter,
  formatAuthResMethod,
  formatAuthResultsField,
  parseAuthResults,
  parseAuthservId,
} from '../../src/authres/index.js';
import { splitFields } from '../../src/dkim/index.js';

describe('parseAuthResults', () => {
  it('reads the examples of RFC 8601 Appendix B', () => {
    expect(parseAuthResults(' example.org 1; none')).toEqual({
      authservId: 'example.org',
      version: '1',
      methods: [],
    });
    expect(parseAuthResults('example.com;\r\n          spf=pass smtp.mailfrom=example.net')).toEqual({
      authservId: 'example.com',
      methods: [
        {
          method: 'spf',
          result: 'pass',
          properties: [{ ptype: 'smtp', property: 'mailfrom', value: 'example.net' }],
        },
      ],
    });
    const b5 = parseAuthResults(
      ' example.com;\r\n   auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n' +
        '   spf=pass smtp.mailfrom=example.net\r\n',
    );
    expect(b5?.methods.map((m) => `${m.method}=${m.result}`)).toEqual(['auth=pass', 'spf=pass']);
    expect(b5?.methods[0]?.properties[0]?.value).toBe('sender@example.net');
    const b6 = parseAuthResults(
      ' example.com;\r\n   dkim=pass (good signature) header.d=mail-router.example.net;\r\n' +
        '   dkim=fail (bad signature) header.d=newyork.example.com',
    );
    expect(b6?.methods.map((m) => m.properties[0]?.value)).toEqual([
      'mail-router.example.net',
      'newyork.example.com',
    ]);
  });

  it('reads comments anywhere, versions, reasons, quoted values, and a trailing ";"', () => {
    const r = parseAuthResults(
      '(front) "mx.example.org" (id) 1 (v); (c) dkim/1 (x) = (y) fail (z) reason = "bad \\"sig\\"" ' +
        'header . d = example.org header.i="john doe"@example.org;',
    );
    expect(r).toEqual({
      authservId: 'mx.example.org',
      version: '1',
      methods: [
        {
          method: 'dkim',
          version: '1',
          result: 'fail',
          reason: 'bad "sig"',
          properties: [
            { ptype: 'header', property: 'd', value: 'example.org' },
            { ptype: 'header', property: 'i', value: '"john doe"@example.org' },
          ],
        },
      ],
    });
  });

  it('gives undefined for what is not an Authentication-Results value', () => {
    for (const bad of [
      '',
      ';',
      'example.org; spf',
      'example.org; spf=',
      'example.org; =pass',
      'x; spf=pass (open',
    ])
      expect(parseAuthResults(bad), bad).toBeUndefined();
  });

  it('reads the authserv-id alone even when the rest is broken', () => {
    expect(parseAuthservId(' (c) MX.example.org; garbage ((')).toBe('MX.example.org');
  });

  it('gives each result as written, unfolded, for carrying it into an AAR', () => {
    expect(
      authResultsEntries(
        'lists.example.org; arc=none;\r\n  spf=pass smtp.mfrom=jqd@d1.example;\r\n  dkim=pass (1024-bit key)\r\n header.i=@d1.example  ',
      ),
    ).toEqual({
      authservId: 'lists.example.org',
      entries: [
        'arc=none',
        'spf=pass smtp.mfrom=jqd@d1.example',
        'dkim=pass (1024-bit key) header.i=@d1.example',
      ],
    });
  });

  it('never throws, whatever the input', () => {
    const tricky = fc.string({
      unit: fc.constantFrom(...'a1.-=;@()"\\ \t\r\n/_xé'.split('')),
      maxLength: 80,
    });
    fc.assert(
      fc.property(fc.oneof(tricky, fc.string()), (s) => {
        parseAuthResults(s);
        parseAuthservId(s);
        authResultsEntries(s);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('formatAuthResultsField', () => {
  it('writes the field, each entry on its own folded line, or none', () => {
    expect(
      Buffer.from(
        formatAuthResultsField('mx.example.org', ['spf=pass smtp.mailfrom=a@b', 'dkim=none']),
      ).toString(),
    ).toBe('Authentication-Results: mx.example.org;\r\n\tspf=pass smtp.mailfrom=a@b;\r\n\tdkim=none\r\n');
    expect(Buffer.from(formatAuthResultsField('mx.example.org', [])).toString()).toBe(
      'Authentication-Results: mx.example.org;\r\n\tnone\r\n',
    );
    expect(
      Buffer.from(formatAuthResultsField('a', ['arc=pass'], 'ARC-Authentication-Results')).toString(),
    ).toBe('ARC-Authentication-Results: a;\r\n\tarc=pass\r\n');
  });

  const keyword = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
  const printable = fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  });
  const method: fc.Arbitrary<AuthResMethod> = fc
    .record({
      method: keyword,
      version: fc.option(fc.stringMatching(/^[0-9]{1,3}$/), { nil: undefined }),
      result: keyword,
      reason: fc.option(printable, { nil: undefined }),
      properties: fc.array(fc.record({ ptype: keyword, property: keyword, value: printable }), {
        maxLength: 4,
      }),
    })
    .map((m) => {
      const out: AuthResMethod = { method: m.method, result: m.result, properties: m.properties };
      if (m.version !== undefined) out.version = m.version;
      if (m.reason !== undefined) out.reason = m.reason;
      return out;
    });

  it('reads back what it writes', () => {
    fc.assert(
      fc.property(
        printable.filter((s) => s !== ''),
        fc.array(method, { maxLength: 5 }),
        (id, methods) => {
          const field = Buffer.from(formatAuthResultsField(id, methods.map(formatAuthResMethod))).toString(
            'latin1',
          );
          const value = field.slice(field.indexOf(':') + 1);
          expect(parseAuthResults(value)).toEqual({ authservId: id, methods });
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('createAuthResFilter', () => {
  const ours = 'mx.example.org';

  /** The reference: split the header into fields, drop ours, keep every other byte. */
  function reference(msg: Buffer): { out: Buffer; removed: number } {
    let end = -1;
    for (let i = 0; i < msg.length; i++) {
      const atLineStart = i === 0 || msg[i - 1] === 0x0a;
      if (!atLineStart) continue;
      if (msg[i] === 0x0a) {
        end = i;
        break;
      }
      if (msg[i] === 0x0d && msg[i + 1] === 0x0a) {
        end = i;
        break;
      }
    }
    const header = end < 0 ? msg : msg.subarray(0, end);
    const parts: Uint8Array[] = [];
    let removed = 0;
    for (const f of splitFields(header)) {
      const raw = Buffer.from(f.raw);
      const colon = raw.indexOf(':');
      const name =
        colon < 0
          ? ''
          : raw
              .subarray(0, colon)
              .toString('latin1')
              .replace(/[ \t]+$/, '');
      if (name.toLowerCase() === 'authentication-results') {
        const id = parseAuthservId(raw.subarray(colon + 1).toString('latin1'));
        if (id?.toLowerCase() === ours) {
          removed++;
          continue;
        }
      }
      parts.push(raw);
    }
    if (end >= 0) parts.push(msg.subarray(end));
    return { out: Buffer.concat(parts), removed };
  }

  function run(msg: Buffer, cuts: number[]): { out: Buffer; removed: number } {
    const f = createAuthResFilter('MX.Example.ORG');
    const points = [...new Set(cuts.map((c) => c % (msg.length + 1)))].sort((a, b) => a - b);
    const out: Uint8Array[] = [];
    let prev = 0;
    for (const p of [...points, msg.length]) {
      out.push(...f.push(msg.subarray(prev, p)));
      prev = p;
    }
    out.push(...f.end());
    return { out: Buffer.concat(out), removed: f.countRemoved };
  }

  const eol = fc.constantFrom('\r\n', '\n');
  const field = fc.oneof(
    fc.constantFrom(
      'Authentication-Results: mx.example.org; spf=pass',
      'Authentication-Results: MX.EXAMPLE.ORG;',
      'authentication-results : (forged) "mx.example.org" 1; none',
      'Authentication-Results:mx.example.org',
      'Authentication-Results: mx.example.org.evil; spf=fail',
      'Authentication-Results: other.example; spf=pass',
      'Authentication-Results: (a (nested) \\) comment) mx.example.org; dkim=pass',
      'Authentication-Results: "mx\\.example.org"; x=y',
      'Authentication-Results: (unterminated mx.example.org; x=y',
      'Authentication-Results-Extra: mx.example.org',
      'Authentication-Result: mx.example.org',
      'Received: from a by b; Tue, 1 Jan 2030 00:00:00 +0000',
      'Subject: Authentication-Results: mx.example.org',
      'From: a@example.org',
      'X-Garbage-Without-Colon',
    ),
    fc.constantFrom('Authentication-Results:', 'Authentication-Results: (c)', 'X-Y:'),
  );
  const fold = fc.constantFrom('', '\t', ' ', ' mx.example.org; spf=pass', '\tother.example', '\t(c) x');
  const message = fc
    .tuple(
      fc.array(fc.tuple(field, fc.array(fc.tuple(eol, fold), { maxLength: 2 }), eol), { maxLength: 8 }),
      fc.boolean(),
      eol,
      fc.constantFrom('', 'Authentication-Results: mx.example.org; in the body\r\n', 'body\n'),
    )
    .map(([fields, withBody, end, body]) => {
      let s = '';
      for (const [f, folds, e] of fields) {
        s += f;
        for (const [fe, fl] of folds) if (fl !== '') s += fe + fl;
        s += e;
      }
      if (withBody) s += end + body;
      return Buffer.from(s, 'latin1');
    });

  it('removes exactly the fields claiming our authserv-id, whatever the chunking', () => {
    fc.assert(
      fc.property(message, fc.array(fc.nat(), { maxLength: 10 }), (msg, cuts) => {
        const want = reference(msg);
        const whole = run(msg, []);
        expect(whole.out.toString('latin1')).toBe(want.out.toString('latin1'));
        expect(whole.removed).toBe(want.removed);
        const chunked = run(msg, cuts);
        expect(chunked.out.toString('latin1')).toBe(whole.out.toString('latin1'));
        expect(chunked.removed).toBe(whole.removed);
      }),
      { numRuns: 3000 },
    );
  });

  it('passes the body through as the same chunks, untouched', () => {
    const f = createAuthResFilter(ours);
    expect(Buffer.concat(f.push(Buffer.from('A: b\r\n\r\n'))).toString()).toBe('A: b\r\n\r\n');
    const body = Buffer.from('Authentication-Results: mx.example.org; spf=pass\r\n');
    expect(f.push(body)).toEqual([body]);
    expect(f.countRemoved).toBe(0);
  });

  it('holds a field only until its owner is known, and no more than the limit', () => {
    const f = createAuthResFilter(ours, { maxHeldBytes: 1000 });
    // An other field streams out as it comes, however long.
    const out = f.push(Buffer.from(`X-Long: ${'x'.repeat(5000)}`));
    expect(Buffer.concat(out).length).toBe(5008);
    // Ours is dropped as it comes.
    f.push(Buffer.from(`\r\nAuthentication-Results: mx.example.org; ${'y'.repeat(5000)}`));
    expect(f.countRemoved).toBe(1);
    // A comment before the id is held, up to the limit.
    expect(() => f.push(Buffer.from(`\r\nAuthentication-Results: (${'z'.repeat(2000)}`))).toThrow(
      AuthResError,
    );
  });
});
