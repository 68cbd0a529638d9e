// `poste arc sign | poste arc verify` as a user runs them (the built CLI, after `npm run
// build`): a key from `poste dkim keygen`, DNS from its zone file, two hops sealed in turn,
// and the exit codes of pass, none, fail and the refusals.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poste } from '../helpers/run-cli.js';

const MESSAGE =
  'Authentication-Results: lists.example.org; arc=none;\n' +
  '  spf=pass smtp.mailfrom=joe@example.org\n' +
  'Authentication-Results: other.example; spf=fail\n' +
  'From: Joe <joe@example.org>\n' +
  'To: list@lists.example.org\n' +
  'Subject: dinner\n' +
  'Date: Tue, 14 Nov 2023 22:13:20 +0000\n' +
  'Message-ID: <1@example.org>\n' +
  '\n' +
  'Are you hungry yet?\n';

let dir: string;
let zone: string;
let key: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poste-arc-cli-'));
  key = join(dir, 'arc.pem');
  const k = poste(['dkim', 'keygen', '-s', 'arc1', '-d', 'example.org', '-o', key]);
  expect(k.status, k.stderr).toBe(0);
  zone = join(dir, 'keys.zone');
  writeFileSync(zone, k.stdout);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const sign = (input: string | Uint8Array, id = 'lists.example.org', extra: string[] = [], env = {}) =>
  poste(
    [
      'arc',
      'sign',
      '-d',
      'example.org',
      '-s',
      'arc1',
      '-k',
      key,
      '--authserv-id',
      id,
      '--time',
      '1700000000',
      ...extra,
    ],
    input,
    env,
  );

describe('poste arc sign | poste arc verify', () => {
  it('seals a first hop that verifies, and exits 0', () => {
    const signed = sign(MESSAGE);
    expect(signed.status, signed.stderr).toBe(0);
    const text = signed.stdout.toString('latin1');
    expect(text).toMatch(/^ARC-Seal: a=rsa-sha256; b=/);
    expect(text).toContain('cv=none; d=example.org; i=1; s=arc1; t=1700000000');
    expect(text).toContain(
      'ARC-Authentication-Results: i=1; lists.example.org;\r\n\tarc=none;\r\n\tspf=pass smtp.mailfrom=joe@example.org\r\n',
    );
    // The message below is the input, with CRLF line ends.
    expect(text.endsWith(MESSAGE.replace(/\n/g, '\r\n'))).toBe(true);
    const v = poste(['arc', 'verify', '--zone', zone], signed.stdout);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.toString()).toMatch(
      /^pass i=1 oldest-pass=0\n {2}i=1 lists\.example\.org cv=none ams=pass/,
    );
    const ar = poste(['arc', 'verify', '--zone', zone, '--auth-results'], signed.stdout);
    expect(ar.stdout.toString()).toBe('arc=pass header.oldest-pass=0\n');
    const json = JSON.parse(
      poste(['arc', 'verify', '--zone', zone, '--json'], signed.stdout).stdout.toString(),
    );
    expect(json).toMatchObject({
      cv: 'pass',
      instances: 1,
      oldestPass: 0,
      sets: [{ instance: 1, cv: 'none' }],
    });
  });

  it('seals a second hop from the arc= result, through the spool file too', () => {
    const hop1 = sign(MESSAGE).stdout;
    const hop2In = Buffer.concat([
      Buffer.from('Authentication-Results: fwd.example.net; arc=pass\r\n'),
      hop1,
    ]);
    const hop2 = sign(hop2In, 'fwd.example.net', [], { POSTE_SPOOL_BYTES: '64' });
    expect(hop2.status, hop2.stderr).toBe(0);
    expect(hop2.stdout.toString('latin1')).toContain('cv=pass; d=example.org; i=2;');
    const v = poste(['arc', 'verify', '--zone', zone], hop2.stdout);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.toString()).toMatch(/^pass i=2 oldest-pass=0\n/);
  });

  it('says none (exit 0) without a chain, fail (exit 1) when the body changed', () => {
    const none = poste(['arc', 'verify', '--zone', zone], MESSAGE);
    expect(none.status).toBe(0);
    expect(none.stdout.toString()).toBe('none\n');
    const signed = sign(MESSAGE).stdout.toString('latin1').replace('hungry', 'Hungry');
    const bad = poste(['arc', 'verify', '--zone', zone], signed);
    expect(bad.status, bad.stderr).toBe(1);
    expect(bad.stdout.toString()).toMatch(/^fail i=1 reason=".*body hash mismatch/);
  });

  it('refuses without our Authentication-Results (65) and passes a failed chain on unsealed (0)', () => {
    const none = sign(MESSAGE, 'nobody.example');
    expect(none.status).toBe(65);
    expect(none.stderr).toMatch(/no Authentication-Results field of nobody\.example/);
    const failed = Buffer.concat([
      Buffer.from('Authentication-Results: fwd.example.net; arc=fail\r\n'),
      sign(MESSAGE).stdout,
    ]);
    const hop2 = sign(failed, 'fwd.example.net');
    expect(hop2.status, hop2.stderr).toBe(0);
    const hop3In = Buffer.concat([
      Buffer.from('Authentication-Results: third.example; arc=fail\r\n'),
      hop2.stdout,
    ]);
    const hop3 = sign(hop3In, 'third.example');
    expect(hop3.status).toBe(0);
    expect(hop3.stderr).toMatch(/not sealed: the chain already failed/);
    expect(hop3.stdout.equals(hop3In)).toBe(true);
  });

  it('reports bad command lines with 64', () => {
    expect(poste(['arc', 'verify', '--zone', zone, '--time', 'soon'], MESSAGE).status).toBe(64);
    expect(sign(MESSAGE, 'lists.example.org', ['--headers', 'from:arc-seal']).status).toBe(64);
    expect(poste(['arc', 'sign', '-d', 'example.org', '-s', 'arc1', '-k', key], MESSAGE).status).toBe(64);
  });
});
