// evaluateDmarc (RFC 9989 §5.3): each alignment mode for SPF and DKIM, p vs sp vs np, t=y,
// records without a usable policy, several or no From domains, DNS failures, and the
// Authentication-Results entry.
import { describe, expect, it } from 'vitest';
import type { DkimResult } from '../../src/dkim/index.js';
import {
  authResultsClause,
  type DmarcInput,
  type DmarcResult,
  evaluateDmarc,
  formatAuthResults,
} from '../../src/dmarc/index.js';
import type { Resolver } from '../../src/dns/index.js';
import { dmarcZone, Spy } from './dns.js';

const dkim = (domain: string, result: DkimResult['result'] = 'pass', selector = 's1'): DkimResult => ({
  result,
  reason: result,
  domain,
  selector,
  index: 0,
});

const ZONE = dmarcZone(
  {
    'example.org': 'v=DMARC1; p=reject; sp=quarantine; np=reject; rua=mailto:d@example.org',
    'strict.example': 'v=DMARC1; p=reject; adkim=s; aspf=s',
    'testing.example': 'v=DMARC1; p=reject; t=y',
    'quarantine-test.example': 'v=DMARC1; p=quarantine; pct=0',
    'none.example': 'v=DMARC1; p=none',
    'bad.example': 'v=DMARC1; p=bogus',
    'bank.example': 'v=DMARC1; p=reject; psd=y',
  },
  [
    'example.org. A 192.0.2.1',
    'mail.example.org. A 192.0.2.2',
    'strict.example. A 192.0.2.3',
    'mail.strict.example. A 192.0.2.4',
  ],
);

function run(
  input: Partial<DmarcInput> & { from?: string | string[] },
  resolver: Resolver = ZONE,
): Promise<DmarcResult> {
  const { from = 'example.org', ...rest } = input;
  return evaluateDmarc({ fromDomains: Array.isArray(from) ? from : [from], ...rest }, { resolver });
}

describe('alignment', () => {
  it('relaxed (the default): a subdomain or parent aligns, another organization does not', async () => {
    expect(await run({ spf: { result: 'pass', domain: 'bounces.example.org' } })).toMatchObject({
      result: 'pass',
      disposition: 'none',
      identifiers: [{ method: 'spf', aligned: true, mode: 'relaxed', orgDomain: 'example.org' }],
    });
    expect(await run({ from: 'mail.example.org', dkim: [dkim('example.org')] })).toMatchObject({
      result: 'pass',
    });
    expect(
      await run({ dkim: [dkim('example.net')], spf: { result: 'pass', domain: 'example.com' } }),
    ).toMatchObject({
      result: 'fail',
      disposition: 'reject',
      identifiers: [
        { method: 'spf', aligned: false },
        { method: 'dkim', aligned: false },
      ],
    });
  });

  it('strict: only the same name aligns, case-insensitively', async () => {
    const from = 'strict.example';
    expect(await run({ from, spf: { result: 'pass', domain: 'STRICT.example' } })).toMatchObject({
      result: 'pass',
    });
    expect(await run({ from, dkim: [dkim('Strict.Example')] })).toMatchObject({ result: 'pass' });
    expect(await run({ from, spf: { result: 'pass', domain: 'mail.strict.example' } })).toMatchObject({
      result: 'fail',
      identifiers: [{ aligned: false, mode: 'strict' }],
    });
    expect(await run({ from, dkim: [dkim('mail.strict.example')] })).toMatchObject({ result: 'fail' });
  });

  it('counts only passing identifiers (§4.4)', async () => {
    const r = await run({
      spf: { result: 'softfail', domain: 'example.org' },
      dkim: [dkim('example.org', 'fail')],
    });
    expect(r).toMatchObject({ result: 'fail', disposition: 'reject' });
    expect(r.reason).toMatch(/no SPF or DKIM pass/);
    // Any one aligned pass is enough (§4.4.1): a failing signature beside a passing one is fine.
    expect(
      await run({ dkim: [dkim('example.org', 'fail'), dkim('example.org', 'pass', 's2')] }),
    ).toMatchObject({
      result: 'pass',
    });
  });

  it('uses the SPF domain given: the HELO name for a null MAIL FROM (§3.2.4)', async () => {
    // checkSpf() for MAIL FROM:<> checks postmaster@HELO and reports the HELO name as domain.
    expect(await run({ spf: { result: 'pass', domain: 'mx.example.org' } })).toMatchObject({
      result: 'pass',
    });
  });
});

describe('which policy (§4.10.1)', () => {
  it('p for the Author Domain, sp for an existing subdomain, np for one that does not exist', async () => {
    expect(await run({})).toMatchObject({
      result: 'fail',
      policy: 'reject',
      policyTag: 'p',
      disposition: 'reject',
    });
    expect(await run({ from: 'mail.example.org' })).toMatchObject({
      policy: 'quarantine',
      policyTag: 'sp',
      authorExists: true,
      disposition: 'quarantine',
      policySource: 'organizational',
    });
    expect(await run({ from: 'ghost.example.org' })).toMatchObject({
      policy: 'reject',
      policyTag: 'np',
      authorExists: false,
      disposition: 'reject',
    });
  });

  it('sp falls back to p; np to sp, then p', async () => {
    const resolver = dmarcZone(
      { 'a.example': 'v=DMARC1; p=reject', 'b.example': 'v=DMARC1; p=none; sp=quarantine' },
      ['x.a.example. A 192.0.2.1'],
    );
    expect(await run({ from: 'x.a.example' }, resolver)).toMatchObject({ policy: 'reject', policyTag: 'p' });
    expect(await run({ from: 'gone.b.example' }, resolver)).toMatchObject({
      policy: 'quarantine',
      policyTag: 'sp',
    });
  });

  it('asks whether the Author Domain exists only when np= changes the answer', async () => {
    const spy = new Spy(dmarcZone({ 'example.net': 'v=DMARC1; p=reject; np=reject' }));
    await run({ from: 'x.example.net' }, spy);
    expect(spy.asked.filter((a) => a.endsWith('/1'))).toEqual([]);
  });

  it('applies a PSD policy below a PSD (psd=y)', async () => {
    expect(await run({ from: 'mega.bank.example' })).toMatchObject({
      result: 'fail',
      policySource: 'psd',
      policyDomain: 'bank.example',
      orgDomain: 'mega.bank.example',
    });
  });

  it('t=y lowers the disposition one level, and leaves none alone (§4.7)', async () => {
    expect(await run({ from: 'testing.example' })).toMatchObject({
      result: 'fail',
      policy: 'reject',
      testing: true,
      disposition: 'quarantine',
    });
    expect(await run({ from: 'quarantine-test.example' })).toMatchObject({
      policy: 'quarantine',
      testing: true,
      disposition: 'none',
    });
    expect(await run({ from: 'testing.example', dkim: [dkim('testing.example')] })).toMatchObject({
      result: 'pass',
      disposition: 'none',
    });
  });

  it('p=none fails with nothing to do', async () => {
    expect(await run({ from: 'none.example' })).toMatchObject({
      result: 'fail',
      policy: 'none',
      disposition: 'none',
    });
  });
});

describe('no policy, bad policy, DNS trouble', () => {
  it('none without any record', async () => {
    expect(await run({ from: 'example.com', dkim: [dkim('example.com')] })).toMatchObject({
      result: 'none',
      policy: 'none',
      disposition: 'none',
      authorDomain: 'example.com',
    });
  });

  it('permerror for a record with a bad policy and no rua= (§4.10.1, §9.2)', async () => {
    expect(await run({ from: 'bad.example' })).toMatchObject({ result: 'permerror', disposition: 'none' });
  });

  it('none for a PSD record that states no policy', async () => {
    const resolver = dmarcZone({ 'psd.example': 'v=DMARC1; psd=y' });
    expect(await run({ from: 'shop.psd.example' }, resolver)).toMatchObject({
      result: 'none',
      policySource: 'psd',
    });
  });

  it('temperror when the policy lookup fails, or an alignment walk that mattered', async () => {
    const down = new Spy(ZONE, (n) => n === '_dmarc.example.org.');
    expect(await run({ dkim: [dkim('example.org')] }, down)).toMatchObject({
      result: 'temperror',
      disposition: 'none',
    });
    const walk = new Spy(ZONE, (n) => n === '_dmarc.signer.example.org.');
    expect(await run({ dkim: [dkim('signer.example.org')] }, walk)).toMatchObject({ result: 'temperror' });
    // A failing walk does not matter when another identifier aligns.
    expect(await run({ dkim: [dkim('signer.example.org'), dkim('example.org')] }, walk)).toMatchObject({
      result: 'pass',
    });
  });

  it('permerror for a From domain that is not a domain name', async () => {
    expect(await run({ from: '[192.0.2.1]' })).toMatchObject({ result: 'permerror' });
  });

  it('converts U-labels to A-labels (§5.3.1)', async () => {
    const resolver = dmarcZone({ 'xn--bcher-kva.example': 'v=DMARC1; p=quarantine' });
    expect(
      await run({ from: 'bücher.example', dkim: [dkim('xn--bcher-kva.example')] }, resolver),
    ).toMatchObject({
      result: 'pass',
      authorDomain: 'xn--bcher-kva.example',
    });
  });
});

describe('From with no domain or several (§5.3.1, §11.5)', () => {
  it('permerror without any', async () => {
    expect(await run({ from: [] })).toMatchObject({
      result: 'permerror',
      reason: expect.stringMatching(/no RFC5322.From/),
    });
  });

  it('one Author Domain when all addresses share it', async () => {
    const r = await run({ from: ['example.org', 'EXAMPLE.org'], dkim: [dkim('example.org')] });
    expect(r).toMatchObject({ result: 'pass' });
    expect(r.authors).toBeUndefined();
  });

  it('evaluates each domain and takes the strictest failing policy', async () => {
    const r = await run({
      from: ['none.example', 'example.org', 'testing.example'],
      dkim: [dkim('none.example')],
    });
    expect(r).toMatchObject({ result: 'fail', authorDomain: 'example.org', disposition: 'reject' });
    expect(r.authors?.map((a) => [a.authorDomain, a.result])).toEqual([
      ['none.example', 'pass'],
      ['example.org', 'fail'],
      ['testing.example', 'fail'],
    ]);
    expect(formatAuthResults(r)).toHaveLength(3);
  });

  it('passes when every domain with a policy passes', async () => {
    const r = await run({ from: ['example.com', 'example.org'], dkim: [dkim('example.org')] });
    expect(r).toMatchObject({ result: 'pass', authorDomain: 'example.org' });
  });

  it('refuses more domains than the limit', async () => {
    const from = ['a.example', 'b.example', 'c.example', 'd.example', 'e.example', 'f.example'];
    expect(await run({ from })).toMatchObject({
      result: 'permerror',
      reason: expect.stringMatching(/6 different/),
    });
  });
});

describe('Authentication-Results (RFC 8601, RFC 9989 §9.1)', () => {
  it('writes the result, the policy comment and the properties', async () => {
    expect(authResultsClause(await run({ dkim: [dkim('example.org')] }))).toBe(
      'dmarc=pass (p=reject sp=quarantine np=reject dis=none) header.from=example.org policy.dmarc=reject',
    );
    expect(authResultsClause(await run({ from: 'testing.example' }))).toBe(
      'dmarc=fail (p=reject t=y dis=quarantine) header.from=testing.example policy.dmarc=quarantine',
    );
    expect(authResultsClause(await run({ from: 'example.com' }))).toBe(
      'dmarc=none reason="no DMARC record for example.com or its parents" header.from=example.com',
    );
    expect(authResultsClause(await run({ from: [] }))).toMatch(/^dmarc=permerror reason="/);
  });
});
