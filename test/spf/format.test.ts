// The result as header text: Received-SPF (RFC 7208 §9.1) and the spf clause of
// Authentication-Results (RFC 8601 §2.7.2), with what came from the DNS kept harmless.
import { describe, expect, it } from 'vitest';
import { authResultsClause, describeResult, receivedSpf, type SpfResult } from '../../src/spf/index.js';

const base: SpfResult = {
  result: 'pass',
  reason: 'example.com: ip4:192.0.2.0/24 matched',
  mechanism: 'ip4:192.0.2.0/24',
  identity: 'mailfrom',
  domain: 'example.com',
  ip: '192.0.2.1',
  sender: 'myname@example.com',
  helo: 'foo.example.com',
  receiver: 'mybox.example.org',
  lookups: 0,
  voidLookups: 0,
};

describe('Received-SPF', () => {
  it('writes the §9.1 example', () => {
    expect(receivedSpf(base)).toBe(
      'pass (mybox.example.org: domain of myname@example.com designates 192.0.2.1 as permitted sender) ' +
        'client-ip=192.0.2.1; envelope-from="myname@example.com"; helo=foo.example.com; ' +
        'receiver=mybox.example.org; identity=mailfrom; mechanism="ip4:192.0.2.0/24"',
    );
  });

  it('says what each result means, with problem= for the errors', () => {
    const fail = receivedSpf({ ...base, result: 'fail', mechanism: '-all', ip: '2001:db8::1' });
    expect(fail).toMatch(
      /^fail \(mybox\.example\.org: domain of myname@example\.com does not designate 2001:db8::1 as/,
    );
    expect(fail).toMatch(/client-ip="2001:db8::1";.* mechanism=-all$/);
    expect(receivedSpf({ ...base, result: 'softfail' })).toMatch(
      /\(mybox\.example\.org: transitioning domain of/,
    );
    expect(receivedSpf({ ...base, result: 'neutral' })).toMatch(
      /192\.0\.2\.1 is neither permitted nor denied by domain of/,
    );
    expect(receivedSpf({ ...base, result: 'none', mechanism: undefined })).toMatch(
      /does not designate permitted sender hosts\) client-ip=192\.0\.2\.1; .*identity=mailfrom$/,
    );
    const perm = receivedSpf({ ...base, result: 'permerror', reason: 'example.com has 2 SPF records' });
    expect(perm).toMatch(
      /^permerror \(mybox.example.org: permanent error in processing domain of myname@example.com:/,
    );
    expect(perm).toMatch(/problem="example\.com has 2 SPF records"$/);
    expect(receivedSpf({ ...base, result: 'temperror', reason: 'x' })).toMatch(
      /error in processing during lookup/,
    );
  });

  it('names the HELO domain for the helo identity and leaves out what is unknown', () => {
    const r = receivedSpf({
      ...base,
      identity: 'helo',
      sender: '',
      receiver: undefined,
      helo: 'mail.example.com',
    });
    expect(r).toBe(
      'pass (domain of mail.example.com designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; ' +
        'envelope-from=""; helo=mail.example.com; identity=helo; mechanism="ip4:192.0.2.0/24"',
    );
  });

  it('keeps hostile text inside its comment or quoted-string', () => {
    const r = receivedSpf({
      ...base,
      result: 'permerror',
      sender: 'a"b\\c@example.com',
      reason: 'bad mechanism "a:x\r\nX-Injected: yes" (really)',
    });
    expect(r).not.toMatch(/[\r\n]/);
    expect(r).toContain('envelope-from="a\\"b\\\\c@example.com"');
    expect(r).toContain('\\(really\\)');
    expect(r).toContain('problem="bad mechanism \\"a:x??X-Injected: yes\\" (really)"');
  });
});

describe('Authentication-Results clause', () => {
  it('names the MAIL FROM address, or the HELO name', () => {
    expect(authResultsClause(base)).toBe(
      'spf=pass (domain of myname@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=myname@example.com',
    );
    expect(
      authResultsClause({ ...base, result: 'none', identity: 'helo', sender: '', helo: 'mail.example.com' }),
    ).toBe(
      'spf=none (domain of mail.example.com does not designate permitted sender hosts) smtp.helo=mail.example.com',
    );
  });

  it('quotes a local-part that is not a dot-atom', () => {
    expect(authResultsClause({ ...base, sender: 'Macro Error@e8.example.com' })).toMatch(
      / smtp\.mailfrom="Macro Error"@e8\.example\.com$/,
    );
  });

  it('describes without the receiver', () => {
    expect(describeResult({ ...base, result: 'fail' })).toBe(
      'domain of myname@example.com does not designate 192.0.2.1 as permitted sender',
    );
  });
});
