// The fast path must parse exactly as oclif does whenever it takes a command line, and
// hand over to oclif for anything it does not take.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Parser } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import { type ManifestCommand, parseFast } from '../../src/cli/fast-path.js';
import AcmeRenew from '../../src/commands/acme/renew.js';
import Addr from '../../src/commands/addr.js';
import Descr from '../../src/commands/descr.js';
import DnsServe from '../../src/commands/dns/serve.js';
import Extract from '../../src/commands/extract.js';
import Hdr from '../../src/commands/hdr.js';
import Make from '../../src/commands/make/index.js';
import MakePut from '../../src/commands/make/put.js';
import MakeWrap from '../../src/commands/make/wrap.js';
import { repoRoot } from '../helpers/run-cli.js';

const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, ManifestCommand>;
};

const COMMANDS: [string, Command.Class][] = [
  ['make', Make],
  ['make:wrap', MakeWrap],
  ['make:put', MakePut],
  ['descr', Descr],
  ['hdr', Hdr],
  ['addr', Addr],
  ['extract', Extract],
  ['dns:serve', DnsServe],
  ['acme:renew', AcmeRenew],
];

const CASES: Record<string, string[][]> = {
  make: [
    [],
    ['--from', 'a@b.c', '--to', 'x@y.z', '--to', 'w@y.z', '--subject', 'hi there'],
    ['--from=a@b.c', '--subject=', '--encoding', 'base64', 'body.txt'],
    ['--header', 'X-A: 1', '--header', 'X-B: 2', '--seed', '7', '--type', 'text/html'],
    ['--encoding', 'nope'],
    ['--subject'],
    ['--help'],
    ['a', 'b'],
    ['--from', 'a@b.c', '--from', 'd@e.f'],
  ],
  'make:wrap': [[], ['--alternative'], ['--mixed', '--related'], ['--seed', 's', '--parallel'], ['-h']],
  'make:put': [
    ['x.png'],
    ['--type', 'image/png', '--name', 'é.png', 'x.png'],
    [],
    ['--disposition', 'inline', 'f'],
    ['--disposition', 'sideways', 'f'],
  ],
  descr: [[], ['--json'], ['--json', '--json'], ['--no-json']],
  hdr: [['Subject'], ['Subject', 'From', '--raw'], ['--name', 'To', 'Cc'], []],
  addr: [[], ['-a'], ['--field', 'to', '--field', 'cc', '--json'], ['-ab']],
  extract: [['--part', '1.2'], ['-p', '2'], [], ['--part']],
  // Integer flags: numbers, as oclif hands them; anything else deferred.
  'dns:serve': [
    ['--zones', 'z'],
    ['--zones', 'z', '--rrl', '5', '--poll', '0', '--tsig-key', 'k.:c2VjcmV0', '--tsig-key', 'j.:c2VjcmV0'],
    ['--zones', 'z', '--rrl', 'many'],
    ['--zones', 'z', '--poll', '1.5'],
  ],
  'acme:renew': [
    ['--out', 'd'],
    ['--out', 'd', '--attempts', '7', '--force'],
    ['--attempts', '2'],
  ],
};

async function oclifParse(cls: Command.Class, argv: string[]) {
  try {
    const r = await Parser.parse(argv, {
      flags: cls.flags,
      args: cls.args,
      strict: cls.strict ?? true,
      context: undefined,
    });
    return { flags: r.flags, args: r.args, argv: r.argv };
  } catch {
    return 'error';
  }
}

const strip = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== false));

describe('fast path', () => {
  for (const [id, cls] of COMMANDS) {
    it(`parses ${id} as oclif does, or defers`, async () => {
      const cmd = manifest.commands[id] as ManifestCommand;
      let taken = 0;
      for (const argv of CASES[id] ?? []) {
        const fast = parseFast(argv, cmd);
        const ref = await oclifParse(cls, argv);
        if (fast === undefined) continue; // oclif decides: help, errors, oddities
        taken++;
        expect(ref, `${id} ${argv.join(' ')}`).not.toBe('error');
        if (ref === 'error') continue;
        expect(strip(fast.flags), `${id} ${argv.join(' ')}`).toEqual(strip(ref.flags));
        expect(strip(fast.args)).toEqual(strip(ref.args));
        expect(fast.argv).toEqual(ref.argv);
      }
      expect(taken).toBeGreaterThan(0);
    });
  }

  it('defers --help and unknown flags to oclif', () => {
    expect(parseFast(['--help'], manifest.commands.descr as ManifestCommand)).toBeUndefined();
    expect(parseFast(['--nope'], manifest.commands.descr as ManifestCommand)).toBeUndefined();
  });
});
