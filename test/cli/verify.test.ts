// `poste verify` end to end, as issue 7 asks: an email made with `poste make`, signed with
// `poste dkim sign`, checked against a zone publishing SPF, DKIM and DMARC records, says
// spf=pass dkim=pass dmarc=pass; one flipped body byte says dkim=fail dmarc=fail. Also: a
// forged Authentication-Results of our authserv-id goes; --json; exit codes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipe, poste } from '../helpers/run-cli.js';

let dir: string;
let zone: string;
let signed: Buffer;

// The bounce address is at mail.example.org: SPF passes there, but aspf=s does not align it
// with From (example.org), so DMARC rests on DKIM — as with most mailing services.
const ENVELOPE = ['--ip', '192.0.2.25', '--helo', 'mail.example.org', '--sender', 'bounce@mail.example.org'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poste-verify-'));
  const key = poste(['dkim', 'keygen', '-s', 's1', '-d', 'example.org', '-o', join(dir, 'k.pem')]);
  expect(key.status).toBe(0);
  zone = join(dir, 'world.zone');
  writeFileSync(
    zone,
    [
      '$ORIGIN example.org.',
      '$TTL 300',
      '@ SOA ns hostmaster 1 3600 600 86400 300',
      '@ NS ns',
      'ns A 192.0.2.1',
      '@ MX 10 mail',
      'mail A 192.0.2.25',
      '@ TXT "v=spf1 mx -all"',
      'mail TXT "v=spf1 a -all"',
      '_dmarc TXT "v=DMARC1; p=reject; adkim=s; aspf=s"',
      key.stdout.toString(),
      '$ORIGIN example.net.',
      '@ SOA ns hostmaster 1 3600 600 86400 300',
      '@ NS ns',
      'ns A 192.0.2.2',
      '',
    ].join('\n'),
  );
  const made = pipe(
    [
      [
        'make',
        '--from',
        'Ada <ada@example.org>',
        '--to',
        'bob@example.net',
        '--subject',
        'Hello',
        '--seed',
        '1',
      ],
      ['dkim', 'sign', '--domain', 'example.org', '--selector', 's1', '--key', join(dir, 'k.pem')],
    ],
    'The body.\n',
  );
  expect(made.status).toBe(0);
  signed = made.stdout;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function arHeader(out: Buffer): string {
  const text = out.toString('utf8');
  const m = /^Authentication-Results: ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)\r\n/.exec(text);
  return (m?.[1] ?? '').replace(/\r\n[ \t]+/g, ' ');
}

describe('poste verify', () => {
  it('says spf=pass dkim=pass dmarc=pass for a signed email from an authorized server', () => {
    const r = poste(['verify', ...ENVELOPE, '--zone', zone, '--authserv-id', 'mx.example.net'], signed);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ar = arHeader(r.stdout);
    expect(ar).toMatch(/^mx\.example\.net; spf=pass /);
    expect(ar).toMatch(/; dkim=pass header\.d=example\.org/);
    expect(ar).toMatch(/; dmarc=pass \(p=reject dis=none\) header\.from=example\.org/);
    expect(ar).toMatch(/; arc=none/);
    // The email follows unchanged.
    expect(r.stdout.subarray(r.stdout.length - signed.length).toString()).toBe(
      signed.toString().replace(/\r?\n/g, '\r\n'),
    );
  });

  it('says dkim=fail dmarc=fail (exit 1) when one body byte is flipped', () => {
    const tampered = Buffer.from(signed.toString().replace('The body.', 'The bodY.'));
    const r = poste(['verify', ...ENVELOPE, '--zone', zone, '--authserv-id', 'mx.example.net'], tampered);
    expect(r.status).toBe(1);
    const ar = arHeader(r.stdout);
    expect(ar).toMatch(/; dkim=fail /);
    expect(ar).toMatch(/; dmarc=fail \(p=reject dis=reject\)/);
    expect(ar).toMatch(/^mx\.example\.net; spf=pass /);
  });

  it('fails DMARC when neither SPF nor DKIM aligns', () => {
    const tampered = Buffer.from(signed.toString().replace('The body.', 'The bodY.'));
    const r = poste(
      [
        'verify',
        '--ip',
        '198.51.100.9',
        '--helo',
        'x.example.net',
        '--sender',
        'ada@example.org',
        '--zone',
        zone,
        '--authserv-id',
        'mx.example.net',
        '--json',
      ],
      tampered,
    );
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout.toString());
    expect(j.spf.result).toBe('fail');
    expect(j.dkim[0].result).toBe('fail');
    expect(j.dmarc).toMatchObject({ result: 'fail', disposition: 'reject' });
    expect(j.arc.cv).toBe('none');
  });

  it('removes a forged Authentication-Results of our authserv-id, keeps others', () => {
    const forged = Buffer.concat([
      Buffer.from('Authentication-Results: MX.example.net; dkim=pass header.d=evil.example\r\n'),
      Buffer.from('Authentication-Results: other.example; spf=pass\r\n'),
      signed,
    ]);
    const r = poste(['verify', ...ENVELOPE, '--zone', zone, '--authserv-id', 'mx.example.net'], forged);
    const text = r.stdout.toString();
    expect(text).not.toContain('evil.example');
    expect(text).toContain('Authentication-Results: other.example; spf=pass\r\n');
    expect(text.match(/^Authentication-Results: mx\.example\.net;/gm)).toHaveLength(1);
  });

  it('gives one-line usage errors', () => {
    const bad = poste(['verify', '--ip', 'nope', '--sender', 'a@b.c', '--zone', zone], signed);
    expect(bad.status).toBe(64);
    expect(bad.stderr).toMatch(/^poste verify: --ip: not an IPv4 or IPv6 address: "nope"\n$/);
  });
});

describe('the end-to-end pipe', () => {
  it('make | dkim sign | verify works as a shell pipe', () => {
    const r = pipe(
      [
        ['make', '--from', 'ada@example.org', '--to', 'bob@example.net', '--subject', 'x', '--seed', '2'],
        ['dkim', 'sign', '--domain', 'example.org', '--selector', 's1', '--key', join(dir, 'k.pem')],
        ['verify', ...ENVELOPE, '--zone', zone, '--authserv-id', 'mx.example.net'],
      ],
      'hi\n',
    );
    expect(r.status).toBe(0);
    expect(readFileSync(zone, 'utf8')).toContain('v=DMARC1');
    expect(arHeader(r.stdout)).toMatch(/spf=pass .*dkim=pass .*dmarc=pass/);
  });
});
