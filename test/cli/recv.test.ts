// `poste recv` and `poste recv stamp` as a user runs them (the built CLI, after `npm run build`).
import { readFileSync } from 'node:fs';
import { type Command, Parser } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import { type ManifestCommand, parseFast } from '../../src/cli/fast-path.js';
import Recv from '../../src/commands/recv/index.js';
import RecvStamp from '../../src/commands/recv/stamp.js';
import { parseReceived } from '../../src/smtp/index.js';
import { poste, repoRoot } from '../helpers/run-cli.js';

const EMAIL = [
  'Received: by imap.example.net (Dovecot) with LMTP id kQ3x',
  '\tfor <ann@example.net>; Fri, 1 Mar 2024 10:00:01 +0000',
  'Received: from mail.example.org (mail.example.org [198.51.100.25])',
  '\tby mx.example.net (Postfix) with ESMTPS id 4Abc1',
  '\tfor <ann@example.net>; Fri, 1 Mar 2024 10:00:02 +0000 (UTC)',
  'Received: from laptop.example.org (unknown [192.0.2.7])',
  '\tby mail.example.org (Postfix) with ESMTPSA id 9XyZ;',
  '\tFri, 1 Mar 2024 11:00:00 +0100',
  'Subject: hi',
  '',
  'body',
  '',
].join('\r\n');

const text = (b: Buffer) => b.toString('utf8');

describe('poste recv', () => {
  it('prints the route as a table, oldest hop first, with delays (negative ones too)', () => {
    const r = poste(['recv'], EMAIL);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(text(r.stdout)).toBe(
      [
        'hop  from                              by                with     date                      delay',
        '1    laptop.example.org [192.0.2.7]    mail.example.org  ESMTPSA  2024-03-01T10:00:00.000Z  -',
        '2    mail.example.org [198.51.100.25]  mx.example.net    ESMTPS   2024-03-01T10:00:02.000Z  2',
        '3    -                                 imap.example.net  LMTP     2024-03-01T10:00:01.000Z  -1',
        '',
      ].join('\n'),
    );
  });

  it('prints a graphviz digraph with --dot', () => {
    const r = poste(['recv', '--dot'], EMAIL);
    expect(r.status).toBe(0);
    expect(text(r.stdout)).toBe(
      [
        'digraph route {',
        '  rankdir=LR;',
        '  node [shape=box];',
        '  "laptop.example.org" -> "mail.example.org" [label="1 ESMTPSA"];',
        '  "mail.example.org" -> "mx.example.net" [label="2 ESMTPS 2s"];',
        '  "mx.example.net" -> "imap.example.net" [label="3 LMTP -1s"];',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('prints JSON lines with --json', () => {
    const r = poste(['recv', '--json'], EMAIL);
    expect(r.status).toBe(0);
    const hops = text(r.stdout)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(hops).toEqual([
      {
        hop: 1,
        from: 'laptop.example.org',
        ip: '192.0.2.7',
        by: 'mail.example.org',
        with: 'ESMTPSA',
        id: '9XyZ',
        date: '2024-03-01T10:00:00.000Z',
      },
      {
        hop: 2,
        from: 'mail.example.org',
        rdns: 'mail.example.org',
        ip: '198.51.100.25',
        by: 'mx.example.net',
        with: 'ESMTPS',
        id: '4Abc1',
        for: 'ann@example.net',
        date: '2024-03-01T10:00:02.000Z',
        delay: 2,
      },
      {
        hop: 3,
        by: 'imap.example.net',
        with: 'LMTP',
        id: 'kQ3x',
        for: 'ann@example.net',
        date: '2024-03-01T10:00:01.000Z',
        delay: -1,
      },
    ]);
  });

  it('exits 1 without a Received field, 64 for --dot with --json', () => {
    const none = poste(['recv'], 'Subject: x\r\n\r\nbody\r\n');
    expect([none.status, text(none.stdout), none.stderr]).toEqual([1, '', 'poste recv: no Received field\n']);
    expect(poste(['recv'], '').status).toBe(1);
    expect(poste(['recv', '--dot', '--json'], EMAIL).status).not.toBe(0);
  });
});

describe('poste recv stamp', () => {
  const stamp = (...args: string[]) => ['recv', 'stamp', '--by', 'mx.example.net', ...args];

  it('prepends a Received field with the given parts; the email follows byte for byte', () => {
    const before = Date.now();
    const args = stamp(
      '--from',
      'mail.example.org',
      '--ip',
      '2001:db8::25',
      '--with',
      'ESMTPS',
      '--id',
      'Q1',
    );
    const r = poste([...args, '--for', 'ann@example.net'], EMAIL);
    expect([r.status, r.stderr]).toEqual([0, '']);
    const out = text(r.stdout);
    const rest = r.stdout.subarray(r.stdout.length - Buffer.byteLength(EMAIL));
    expect(rest.equals(Buffer.from(EMAIL))).toBe(true);
    const field = out.slice(0, out.length - EMAIL.length);
    expect(field).toMatch(/^Received: from mail\.example\.org \(\[IPv6:2001:db8::25\]\)/);
    expect(field.endsWith('\r\n')).toBe(true);
    for (const line of field.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    const value = field
      .replace(/^Received:/, '')
      .replace(/\r\n[ \t]/g, ' ')
      .trim();
    const hop = parseReceived(value);
    expect(hop).toMatchObject({
      from: 'mail.example.org',
      ip: '2001:db8::25',
      by: 'mx.example.net',
      with: 'ESMTPS',
      id: 'Q1',
      for: 'ann@example.net',
    });
    const at = Date.parse(hop.date as string);
    expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
    // The route now has one more hop.
    expect(
      text(poste(['recv'], r.stdout).stdout)
        .trimEnd()
        .split('\n'),
    ).toHaveLength(5);
  });

  it('defaults to ESMTP, omits from without --from and --ip, keeps LF and an mbox From line', () => {
    const lf = poste(stamp(), 'Subject: x\n\nbody\n');
    expect(lf.status).toBe(0);
    expect(text(lf.stdout)).toMatch(
      /^Received: by mx\.example\.net \(poste\) with ESMTP;(?:[^\r\n]|\n )+\nSubject: x\n\nbody\n$/,
    );
    const mbox = 'From ann@example.org Fri Mar  1 10:00:00 2024\nSubject: x\n\nbody\n';
    const m = poste(stamp('--ip', '192.0.2.9'), mbox);
    expect(m.status).toBe(0);
    expect(text(m.stdout).replace(/\n /g, ' ')).toMatch(/\(poste\) with ESMTP; /);
    expect(text(m.stdout)).toMatch(
      /^From ann@example\.org Fri Mar {2}1 10:00:00 2024\nReceived: from \[192\.0\.2\.9\] \(\[192\.0\.2\.9\]\) by mx\.example\.net \(poste\) with(?:[^\r\n]|\n )+\nSubject: x\n\nbody\n$/,
    );
  });

  it('streams a large body unchanged', () => {
    const big = Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), Buffer.alloc(3 << 20, 'x\r\n')]);
    const r = poste(stamp('--from', 'a.example'), big);
    expect(r.status).toBe(0);
    expect(r.stdout.subarray(r.stdout.length - big.length).equals(big)).toBe(true);
  });

  it('exits 64 on bad flags, 65 on empty input', () => {
    expect(poste(stamp('--ip', '192.0.2'), EMAIL).status).toBe(64);
    expect(poste(stamp('--from', 'a;b'), EMAIL).status).toBe(64);
    expect(poste(stamp('--for', 'not an address'), EMAIL).status).toBe(64);
    expect(poste(['recv', 'stamp'], EMAIL).status).toBe(64);
    const empty = poste(stamp(), '');
    expect([empty.status, empty.stderr]).toEqual([65, 'poste recv stamp: no email on standard input\n']);
  });
});

describe('the fast path parses recv as oclif does', () => {
  const manifest = JSON.parse(readFileSync(`${repoRoot}/oclif.manifest.json`, 'utf8')) as {
    commands: Record<string, ManifestCommand>;
  };
  const cases: [string, Command.Class, string[]][] = [
    ['recv', Recv, []],
    ['recv', Recv, ['--dot']],
    ['recv', Recv, ['--json']],
    ['recv:stamp', RecvStamp, ['--by', 'mx.example.net']],
    [
      'recv:stamp',
      RecvStamp,
      ['--by', 'mx', '--from', 'a', '--ip', '192.0.2.1', '--with', 'LMTP', '--id', 'x', '--for', 'a@b.c'],
    ],
  ];
  for (const [id, cls, argv] of cases) {
    it(`${id} ${argv.join(' ')}`, async () => {
      const fast = parseFast(argv, manifest.commands[id] as ManifestCommand);
      expect(fast).toBeDefined();
      const slow = await Parser.parse(argv, { flags: cls.flags, args: {}, strict: true, context: undefined });
      expect(fast?.flags).toEqual(slow.flags);
    });
  }
});
