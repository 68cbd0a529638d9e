// Policy discovery and the Organizational Domain by the DNS Tree Walk (RFC 9989 §4.10): the
// names asked and the query limit (counted on a spying resolver), the psd= rules, the
// examples of Appendix B.4, several records at one name, and DNS failures.
import { describe, expect, it } from 'vitest';
import {
  DmarcDns,
  discoverPolicy,
  lookupPolicy,
  MAX_WALK_QUERIES,
  organizationalDomain,
  selectOrganizationalDomain,
  treeWalkNames,
} from '../../src/dmarc/index.js';
import { dmarcZone, Spy } from './dns.js';

describe('treeWalkNames (§4.10)', () => {
  it('asks the name, then each parent', () => {
    expect(treeWalkNames('a.mail.example.com')).toEqual([
      'a.mail.example.com',
      'mail.example.com',
      'example.com',
      'com',
    ]);
    expect(treeWalkNames('com')).toEqual(['com']);
  });

  it('jumps to seven labels from a longer name: never more than eight queries', () => {
    expect(treeWalkNames('a.b.c.d.e.f.g.h.i.j.mail.example.com')).toEqual([
      'a.b.c.d.e.f.g.h.i.j.mail.example.com',
      'g.h.i.j.mail.example.com',
      'h.i.j.mail.example.com',
      'i.j.mail.example.com',
      'j.mail.example.com',
      'mail.example.com',
      'example.com',
      'com',
    ]);
    for (let n = 1; n <= 40; n++) {
      const names = treeWalkNames(Array.from({ length: n }, (_, i) => `l${i}`).join('.'));
      expect(names.length).toBe(Math.min(n, MAX_WALK_QUERIES));
      expect(new Set(names).size).toBe(names.length);
    }
  });
});

describe('discoverPolicy (§4.10.1)', () => {
  it('a.b.mail.example.co.uk finds the record of example.co.uk', async () => {
    const spy = new Spy(dmarcZone({ 'example.co.uk': 'v=DMARC1; p=reject; sp=quarantine' }));
    const d = await discoverPolicy('a.b.mail.example.co.uk', new DmarcDns(spy));
    expect(d).toMatchObject({
      kind: 'found',
      policyDomain: 'example.co.uk',
      source: 'organizational',
      orgDomain: 'example.co.uk',
    });
    // No psd= tag: the walk goes on to the top, as §4.10 step 6 says.
    expect(spy.walked).toEqual([
      'a.b.mail.example.co.uk',
      'b.mail.example.co.uk',
      'mail.example.co.uk',
      'example.co.uk',
      'co.uk',
      'uk',
    ]);
  });

  it('stops at the Author Domain when it has a record', async () => {
    const spy = new Spy(
      dmarcZone({ 'mail.example.org': 'v=DMARC1; p=none', 'example.org': 'v=DMARC1; p=reject' }),
    );
    const d = await discoverPolicy('mail.example.org', new DmarcDns(spy));
    expect(d).toMatchObject({ kind: 'found', policyDomain: 'mail.example.org', source: 'author' });
    expect(spy.walked).toEqual(['mail.example.org']);
  });

  it('asks at most eight names, however long the Author Domain', async () => {
    const spy = new Spy(dmarcZone({}));
    const author = 'a.b.c.d.e.f.g.h.i.j.k.example.com';
    const d = await discoverPolicy(author, new DmarcDns(spy));
    expect(d).toMatchObject({ kind: 'none', orgDomain: author });
    expect(spy.asked).toHaveLength(8);
    expect(spy.walked).toEqual([author, ...treeWalkNames(author).slice(1)]);
  });

  it('Appendix B.4.2: the deep walk finds example.com', async () => {
    const spy = new Spy(
      dmarcZone({ 'example.com': 'v=DMARC1; p=reject', 'signing.example.com': 'v=DMARC1; p=none' }),
    );
    const d = await discoverPolicy('a.b.c.d.e.f.g.h.i.j.k.example.com', new DmarcDns(spy));
    expect(d).toMatchObject({ kind: 'found', policyDomain: 'example.com', source: 'organizational' });
    expect(spy.walked.slice(1, 3)).toEqual(['g.h.i.j.k.example.com', 'h.i.j.k.example.com']);
    expect(spy.asked).toHaveLength(8);
  });

  it('takes the Organizational Domain record, not a nearer one, when none has psd= (B.4.2)', async () => {
    const resolver = dmarcZone({
      'mail.example.com': 'v=DMARC1; p=none',
      'example.com': 'v=DMARC1; p=reject',
    });
    const d = await discoverPolicy('a.mail.example.com', new DmarcDns(resolver));
    expect(d).toMatchObject({ policyDomain: 'example.com', orgDomain: 'example.com' });
  });

  it('psd=n makes the nearer domain the Organizational Domain, and stops the walk', async () => {
    const spy = new Spy(
      dmarcZone({ 'mail.example.com': 'v=DMARC1; p=quarantine; psd=n', 'example.com': 'v=DMARC1; p=reject' }),
    );
    const d = await discoverPolicy('a.mail.example.com', new DmarcDns(spy));
    expect(d).toMatchObject({
      policyDomain: 'mail.example.com',
      orgDomain: 'mail.example.com',
      source: 'organizational',
    });
    expect(spy.walked).toEqual(['a.mail.example.com', 'mail.example.com']);
  });

  describe('PSD records (psd=y)', () => {
    const zone = () =>
      dmarcZone({
        'bank.example': 'v=DMARC1; p=reject; np=reject; psd=y',
        'giant.bank.example': 'v=DMARC1; p=none',
      });

    it('apply to a domain below the PSD without a record of its own', async () => {
      const spy = new Spy(zone());
      const d = await discoverPolicy('mail.mega.bank.example', new DmarcDns(spy));
      expect(d).toMatchObject({
        kind: 'found',
        policyDomain: 'bank.example',
        source: 'psd',
        orgDomain: 'mega.bank.example',
      });
      // The walk stops at psd=y: _dmarc.example is not asked.
      expect(spy.walked).toEqual(['mail.mega.bank.example', 'mega.bank.example', 'bank.example']);
    });

    it('do not apply below an Organizational Domain that has a record (§4.10.1 note)', async () => {
      const d = await discoverPolicy('mail.giant.bank.example', new DmarcDns(zone()));
      expect(d).toMatchObject({
        policyDomain: 'giant.bank.example',
        source: 'organizational',
        orgDomain: 'giant.bank.example',
      });
    });

    it('Appendix B.4.3: Organizational Domains below the PSD', async () => {
      const dns = new DmarcDns(zone());
      const org = async (d: string) => {
        const r = await organizationalDomain(d, dns);
        return r.kind === 'ok' ? r.orgDomain : r.reason;
      };
      expect(await org('giant.bank.example')).toBe('giant.bank.example');
      expect(await org('mail.giant.bank.example')).toBe('giant.bank.example');
      expect(await org('mail.mega.bank.example')).toBe('mega.bank.example');
      expect(await org('bank.example')).toBe('bank.example');
    });
  });

  it('discards several DMARC records at one name, and other TXT records (§4.10 step 2)', async () => {
    const resolver = dmarcZone({
      'mail.example.org': ['v=DMARC1; p=reject', 'v=DMARC1; p=none'],
      'example.org': ['v=spf1 -all', 'v=DMARC1; p=quarantine', 'hello'],
    });
    const d = await discoverPolicy('mail.example.org', new DmarcDns(resolver));
    expect(d).toMatchObject({ kind: 'found', policyDomain: 'example.org', source: 'organizational' });
    expect(d.steps[0]).toMatchObject({
      kind: 'none',
      why: expect.stringMatching(/2 DMARC records .* all discarded/),
    });
    const only = await discoverPolicy(
      'example.net',
      new DmarcDns(dmarcZone({ 'example.net': ['v=DMARC1; p=reject', 'v=DMARC1;p=reject'] })),
    );
    expect(only.kind).toBe('none');
  });

  it('joins the strings of one TXT record (§4.5)', async () => {
    const resolver = dmarcZone({}, ['_dmarc.example.org. TXT "v=DMARC1; " "p=reject"']);
    const d = await discoverPolicy('example.org', new DmarcDns(resolver));
    expect(d).toMatchObject({ kind: 'found', record: { p: 'reject' } });
  });

  it('gives temperror when a query of the walk fails', async () => {
    const spy = new Spy(
      dmarcZone({ 'example.org': 'v=DMARC1; p=reject' }),
      (n) => n === '_dmarc.mail.example.org.',
    );
    const d = await discoverPolicy('a.mail.example.org', new DmarcDns(spy));
    expect(d).toMatchObject({ kind: 'temperror', reason: expect.stringMatching(/SERVFAIL/) });
  });
});

describe('selectOrganizationalDomain (§4.10.2)', () => {
  const rec = (domain: string, psd = 'u') => ({ domain, record: { psd } });
  it('follows the three rules, longest name first', () => {
    expect(selectOrganizationalDomain('a.mail.example.com', [])).toBe('a.mail.example.com');
    expect(
      selectOrganizationalDomain('a.mail.example.com', [rec('mail.example.com'), rec('example.com')]),
    ).toBe('example.com');
    expect(selectOrganizationalDomain('a.mail.example.com', [rec('mail.example.com', 'n')])).toBe(
      'mail.example.com',
    );
    expect(selectOrganizationalDomain('a.mail.example.com', [rec('com', 'y')])).toBe('example.com');
    // psd=y at the start of the walk is not rule 2: the fewest labels (itself) is.
    expect(selectOrganizationalDomain('bank.example', [rec('bank.example', 'y')])).toBe('bank.example');
  });
});

describe('lookupPolicy', () => {
  it('names the policy that applies: p, sp, or np for a name that does not exist', async () => {
    const resolver = dmarcZone({ 'example.org': 'v=DMARC1; p=reject; sp=quarantine; np=none' }, [
      'example.org. A 192.0.2.1',
      'mail.example.org. A 192.0.2.2',
    ]);
    expect((await lookupPolicy('example.org', { resolver })).applied).toMatchObject({
      tag: 'p',
      policy: 'reject',
    });
    expect(await lookupPolicy('mail.example.org', { resolver })).toMatchObject({
      result: 'found',
      applied: { tag: 'sp', policy: 'quarantine' },
      authorExists: true,
    });
    expect(await lookupPolicy('nope.example.org', { resolver })).toMatchObject({
      applied: { tag: 'np', policy: 'none' },
      authorExists: false,
    });
  });

  it('finds the Organizational Domain even when the domain has its own record', async () => {
    const resolver = dmarcZone({
      'mail.example.org': 'v=DMARC1; p=none',
      'example.org': 'v=DMARC1; p=reject',
    });
    expect(await lookupPolicy('mail.example.org', { resolver })).toMatchObject({
      policyDomain: 'mail.example.org',
      policySource: 'author',
      orgDomain: 'example.org',
    });
  });

  it('says invalid for a record without a usable policy', async () => {
    const resolver = dmarcZone({ 'example.org': 'v=DMARC1; p=nope' });
    expect(await lookupPolicy('example.org', { resolver })).toMatchObject({ result: 'invalid' });
  });
});
