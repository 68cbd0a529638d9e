// `poste dmarc record` as a user runs it (the built CLI, after `npm run build`), with answers
// from a zone file: the Tree Walk to an Organizational Domain, sp= and np=, a PSD, no record,
// a record without a usable policy, JSON, and the exit codes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poste } from '../helpers/run-cli.js';

const ZONE = `$TTL 300
$ORIGIN example.co.uk.
@        SOA ns hostmaster 1 7200 900 1209600 300
@        A   192.0.2.1
mail     A   192.0.2.2
b.mail   A   192.0.2.3
a.b.mail A   192.0.2.4
_dmarc   TXT "v=DMARC1; p=reject; sp=quarantine; np=reject; " "rua=mailto:dmarc@example.co.uk!10m; pct=0; adkim=s"

$ORIGIN bank.example.
@        SOA ns hostmaster 1 7200 900 1209600 300
_dmarc   TXT "v=DMARC1; p=reject; psd=y"
giant    A   192.0.2.5
_dmarc.giant TXT "v=DMARC1; p=none; foo=bar; rf:afrf"

$ORIGIN example.net.
@        SOA ns hostmaster 1 7200 900 1209600 300
@        A   192.0.2.6
_dmarc   TXT "v=DMARC1; p=bogus"
`;

let dir: string;
let zone: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poste-dmarc-cli-'));
  zone = join(dir, 'test.zone');
  writeFileSync(zone, ZONE);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (...args: string[]) => poste(['dmarc', 'record', '--zone', zone, ...args]);

describe('poste dmarc record', () => {
  it('walks a.b.mail.example.co.uk up to the record of example.co.uk (sp=)', () => {
    const r = record('a.b.mail.example.co.uk');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout.toString();
    expect(out).toMatch(/^domain: +a\.b\.mail\.example\.co\.uk$/m);
    expect(out).toMatch(/^policy: +quarantine, by sp=; testing \(t=y\): a failing message gets none$/m);
    expect(out).toMatch(/^policy domain: +example\.co\.uk \(its Organizational Domain\)$/m);
    expect(out).toMatch(/^org domain: +example\.co\.uk$/m);
    expect(out).toMatch(/^rua: +mailto:dmarc@example\.co\.uk$/m);
    expect(out).toMatch(/^RFC 7489: +pct=0$/m);
  });

  it('gives p= for the domain itself and np= for a name that does not exist', () => {
    expect(record('example.co.uk').stdout.toString()).toMatch(/^policy: +reject, by p=/m);
    const gone = record('user@nowhere.example.co.uk');
    expect(gone.status).toBe(0);
    expect(gone.stdout.toString()).toMatch(/^policy: +reject, by np=/m);
    expect(gone.stdout.toString()).toMatch(/^exists: +no/m);
  });

  it('applies a PSD record below the PSD, not below a domain with its own record', () => {
    const shop = record('shop.bank.example');
    expect(shop.status).toBe(0);
    expect(shop.stdout.toString()).toMatch(/^policy domain: +bank\.example \(its Public Suffix Domain\)$/m);
    expect(shop.stdout.toString()).toMatch(/^org domain: +shop\.bank\.example$/m);
    const giant = record('mail.giant.bank.example');
    expect(giant.stdout.toString()).toMatch(
      /^policy domain: +giant\.bank\.example \(its Organizational Domain\)$/m,
    );
    expect(giant.stdout.toString()).toMatch(/^note: +"rf:afrf" ignored/m);
  });

  it('exits 1 without a record, or with one that has no usable policy', () => {
    const none = record('example.org');
    expect(none.status).toBe(1);
    expect(none.stdout.toString()).toMatch(
      /^policy: +none: no DMARC record for example\.org or its parents$/m,
    );
    const bad = record('example.net');
    expect(bad.status).toBe(1);
    expect(bad.stdout.toString()).toMatch(/^policy: +none: a bad p= and no valid rua=/m);
  });

  it('prints JSON with --json', () => {
    const r = record('--json', 'mail.example.co.uk');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout.toString());
    expect(j).toMatchObject({
      result: 'found',
      domain: 'mail.example.co.uk',
      policyDomain: 'example.co.uk',
      policySource: 'organizational',
      orgDomain: 'example.co.uk',
      applied: { policy: 'quarantine', tag: 'sp', testing: true, onFail: 'none' },
      authorExists: true,
      record: { p: 'reject', sp: 'quarantine', np: 'reject', adkim: 'strict', testing: true, pct: 0 },
    });
    expect(j.walk.map((w: { domain: string }) => w.domain)).toEqual([
      'mail.example.co.uk',
      'example.co.uk',
      'co.uk',
      'uk',
    ]);
  });

  it('exits 64 for a bad domain or command line, 75 when the DNS fails', () => {
    expect(record('not..a.domain').status).toBe(64);
    expect(poste(['dmarc', 'record']).status).toBe(64);
    expect(poste(['dmarc', 'record', '--dns', 'nonsense', 'example.org']).status).toBe(64);
    // Nothing listens on port 9 of loopback: the query fails (refused or timed out).
    const down = poste(['dmarc', 'record', '--dns', '127.0.0.1:9', 'example.org']);
    expect(down.status).toBe(75);
    expect(down.stderr).toMatch(/^poste dmarc record: DNS error: /);
  });
});
