import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { changeFlags, Maildir, parseName, uniqueName, withFlags } from '../../src/maildir/index.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'poste-maildir-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('maildir names', () => {
  it('are time.M<usec>P<pid>Q<n>.host with the host escaped', () => {
    expect(uniqueName({ ms: 1_700_000_000_123, pid: 42, seq: 7, host: 'mx/a:b' })).toBe(
      '1700000000.M123000P42Q7.mx\\057a\\072b',
    );
  });

  it('carry sorted flags after :2,', () => {
    expect(parseName('1.M1P1Q1.h:2,SRF')).toEqual({ unique: '1.M1P1Q1.h', flags: 'FRS', info: '2,SRF' });
    expect(parseName('1.M1P1Q1.h')).toEqual({ unique: '1.M1P1Q1.h', flags: '', info: undefined });
    expect(withFlags('u', 'TSS')).toBe('u:2,ST');
    expect(changeFlags('S', '+F-S')).toBe('F');
    expect(changeFlags('ST', '=D')).toBe('D');
    expect(changeFlags('ST', '=')).toBe('');
    expect(changeFlags('S', '+1')).toBeUndefined();
  });

  it('flag changes always give sorted unique letters', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[DFPRST]*$/),
        fc.stringMatching(/^(?:[+\-=][DFPRST]{1,3}){1,4}$/),
        (f, c) => {
          const r = changeFlags(f, c) as string;
          expect(r).toBe([...new Set(r)].sort().join(''));
        },
      ),
    );
  });
});

describe('maildir on disk', () => {
  it('delivers through tmp into new, lists, reads, and flags into cur', async () => {
    const dir = tmp();
    const md = await Maildir.create(dir, { host: 'test' });
    const a = await md.deliver(Buffer.from('Subject: a\r\n\r\nA\r\n'));
    async function* chunks() {
      yield Buffer.from('Subject: b\r\n');
      yield Buffer.from('\r\nB\r\n');
    }
    const b = await md.deliver(chunks());
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    expect(readdirSync(join(dir, 'new')).sort()).toEqual([a.name, b.name].sort());
    expect(readFileSync(b.path, 'utf8')).toBe('Subject: b\r\n\r\nB\r\n');
    expect(b.size).toBe(17);
    const list = await md.list();
    expect(list.map((e) => e.name)).toEqual([a.name, b.name]);
    const f = await md.flag(a.name, '+S');
    expect(f.folder).toBe('cur');
    expect(readdirSync(join(dir, 'cur'))).toEqual([`${a.name}:2,S`]);
    expect((await md.find(a.name)).flags).toBe('S');
    await expect(md.find('nope')).rejects.toMatchObject({ code: 'ENOMSG' });
    await expect(md.flag(a.name, '+1')).rejects.toMatchObject({ code: 'EBADFLAGS' });
  });

  it('leaves nothing behind when a delivery is aborted; names are unique under concurrency', async () => {
    const dir = tmp();
    const md = await Maildir.create(dir, { now: () => 1000 });
    const d = await md.begin();
    await d.write(Buffer.from('partial'));
    await d.abort();
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    const got = await Promise.all(Array.from({ length: 50 }, (_, i) => md.deliver(Buffer.from(`m${i}`))));
    expect(new Set(got.map((g) => g.name)).size).toBe(50);
    expect(readdirSync(join(dir, 'new'))).toHaveLength(50);
  });

  it('says when a directory is not a maildir', async () => {
    await expect(new Maildir(tmp()).list()).rejects.toMatchObject({ code: 'ENOTMAILDIR' });
  });
});
