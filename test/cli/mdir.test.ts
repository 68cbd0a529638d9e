import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { poste } from '../helpers/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'poste-mdir-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('poste mdir', () => {
  const dir = join(root, 'box');
  const msg = 'From: Ann <ann@example.org>\r\nSubject: =?utf-8?q?h=C3=A9llo?=\r\n\r\nbody\r\n';

  it('adds, lists, prints and flags', () => {
    expect(poste(['mdir', 'add', dir], msg).status).toBe(66);
    const add = poste(['mdir', 'add', '--create', dir], msg);
    expect(add.status).toBe(0);
    const name = add.stdout.toString().trim();
    expect(readdirSync(join(dir, 'new'))).toEqual([name]);
    const list = poste(['mdir', 'list', dir]);
    expect(list.stdout.toString()).toMatch(
      new RegExp(
        `^${name.replace(/\./g, '\\.')}\\tnew\\t-\\t${msg.length}\\t.*\\tAnn <ann@example.org>\\théllo\\n$`,
      ),
    );
    const cat = poste(['mdir', 'cat', dir, name.slice(0, 12)]);
    expect(cat.stdout.toString()).toBe(msg);
    const flag = poste(['mdir', 'flag', dir, name, '+SF']);
    expect(flag.stdout.toString().trim()).toBe(`${name}:2,FS`);
    expect(readdirSync(join(dir, 'cur'))).toEqual([`${name}:2,FS`]);
    const json = JSON.parse(poste(['mdir', 'list', '--json', dir]).stdout.toString());
    expect(json[0]).toMatchObject({ folder: 'cur', flags: 'FS', subject: 'héllo' });
    expect(poste(['mdir', 'flag', dir, name, 'S!']).status).toBe(64);
    const missing = poste(['mdir', 'cat', dir, 'nope']);
    expect(missing.status).toBe(66);
    expect(missing.stderr).toContain('no message nope');
  });
});
