// A usage error is one line that says what is wrong, exit 64: oclif writes the missing flags
// and arguments on the lines after a header, and the line must carry them.
import { describe, expect, it } from 'vitest';
import { usageLine } from '../../src/cli/report.js';
import { poste } from '../helpers/run-cli.js';

describe('usage errors', () => {
  it('name every missing flag and argument, in one line, exit 64', () => {
    const cases: [string[], RegExp][] = [
      [
        ['dkim', 'keygen', '--selector', 's'],
        /^poste dkim keygen: Missing required flag domain; Missing required flag out \(see: poste dkim keygen --help\)\n$/,
      ],
      [['dns', 'serve'], /^poste dns serve: Missing required flag zones \(see: poste dns serve --help\)\n$/],
      [['dns', 'query'], /^poste dns query: Missing 1 required arg: name \(see: poste dns query --help\)\n$/],
      [
        ['dns', 'query', 'example.org', '--typo'],
        /^poste dns query: Nonexistent flag: --typo \(see: poste dns query --help\)\n$/,
      ],
    ];
    for (const [args, line] of cases) {
      // Under vitest (NODE_ENV=test) oclif adds a warning of its own; users never see it.
      const r = poste(args, undefined, { NODE_ENV: 'production' });
      expect(r.status, args.join(' ')).toBe(64);
      expect(r.stderr).toMatch(line);
    }
  });

  it('joins oclif’s lines, without colours or its help hint', () => {
    expect(
      usageLine(
        'The following error occurred:\n  \x1b[31mMissing required flag b\x1b[39m\nSee more help with --help',
      ),
    ).toBe('Missing required flag b');
    expect(
      usageLine('Missing 2 required args:\nname  the name\ntype  the type\nSee more help with --help'),
    ).toBe('Missing 2 required args: name, type');
    expect(usageLine('Nonexistent flag: --x')).toBe('Nonexistent flag: --x');
    expect(usageLine('')).toBe('');
  });
});
