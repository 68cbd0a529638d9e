// `poste dns query` as a user runs it (the built CLI, after `npm run build`), against a fake
// server in this process. The CLI runs asynchronously: a synchronous spawn would freeze the
// event loop that the fake server answers from.
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from '@oclif/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ManifestCommand, parseFast } from '../../src/cli/fast-path.js';
import DnsQuery from '../../src/commands/dns/query.js';
import { RCODE, TYPE } from '../../src/dns/constants.js';
import { makeRR, type RR, txtData } from '../../src/dns/types.js';
import { type FakeServer, reply, startFakeServer } from '../dns/fake-server.js';
import { bin, repoRoot } from '../helpers/run-cli.js';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function poste(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = (err as { code?: unknown } | null)?.code;
        resolve({ status: typeof code === 'number' ? code : err ? -1 : 0, stdout, stderr });
      },
    );
  });
}

const SOA = makeRR('example.org.', TYPE.SOA, 3600, {
  mname: 'ns1.example.org.',
  rname: 'hostmaster.example.org.',
  serial: 2026010101,
  refresh: 7200,
  retry: 900,
  expire: 1209600,
  minimum: 300,
});

const DATA: Record<string, RR[]> = {
  [`example.org. ${TYPE.MX}`]: [
    makeRR('example.org.', TYPE.MX, 3600, { preference: 10, exchange: 'mx1.example.org.' }),
    makeRR('example.org.', TYPE.MX, 3600, { preference: 20, exchange: 'mx2.example.org.' }),
  ],
  [`example.org. ${TYPE.A}`]: [makeRR('example.org.', TYPE.A, 300, '192.0.2.1')],
  [`www.example.org. ${TYPE.A}`]: [
    makeRR('www.example.org.', TYPE.CNAME, 600, 'example.org.'),
    makeRR('example.org.', TYPE.A, 300, '192.0.2.1'),
  ],
  [`_dmarc.example.org. ${TYPE.TXT}`]: [
    makeRR('_dmarc.example.org.', TYPE.TXT, 300, txtData('v=DMARC1; p=reject')),
  ],
};

let server: FakeServer;
let dns: string;

beforeAll(async () => {
  server = await startFakeServer((q, { transport }) => {
    const question = q.questions[0];
    const name = question?.name.toLowerCase() ?? '';
    if (name === 'fail.example.org.') return reply(q, { rcode: RCODE.SERVFAIL });
    if (name === 'big.example.org.') {
      return reply(
        q,
        transport === 'udp' ? { tc: true } : { answers: [makeRR(name, TYPE.A, 60, '192.0.2.9')] },
      );
    }
    const answers = DATA[`${name} ${question?.type}`];
    if (answers) return reply(q, { answers });
    if (name === 'example.org.' || name === 'www.example.org.') return reply(q, { authority: [SOA] });
    return reply(q, { rcode: RCODE.NXDOMAIN, authority: [SOA] });
  });
  dns = server.address;
});

afterAll(async () => {
  await server.close();
});

afterEach(() => {
  server.queries.length = 0;
});

describe('poste dns query', () => {
  it('prints the answer section as zone-file lines, type A by default', async () => {
    const r = await poste(['dns', 'query', '--dns', dns, 'www.example.org']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      'www.example.org.\t600\tIN\tCNAME\texample.org.\nexample.org.\t300\tIN\tA\t192.0.2.1\n',
    );
    expect(server.queries[0]?.message.questions[0]).toEqual({
      name: 'www.example.org.',
      type: TYPE.A,
      class: 1,
    });
  });

  it('takes the type as a mnemonic in any case', async () => {
    const r = await poste(['dns', 'query', 'example.org.', 'mx', `--dns=${dns}`]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      'example.org.\t3600\tIN\tMX\t10 mx1.example.org.\nexample.org.\t3600\tIN\tMX\t20 mx2.example.org.\n',
    );
  });

  it('prints the whole reply with --json', async () => {
    const r = await poste(['dns', 'query', '--json', '--dns', dns, '_dmarc.example.org', 'TXT']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      server: dns,
      question: { name: '_dmarc.example.org.', type: 'TXT', class: 'IN' },
      rcode: 'NOERROR',
      flags: ['qr', 'rd', 'ra'],
      answer: [
        { name: '_dmarc.example.org.', type: 'TXT', class: 'IN', ttl: 300, data: '"v=DMARC1; p=reject"' },
      ],
      authority: [],
      additional: [],
    });
  });

  it('exits 1 with one line on stderr for NXDOMAIN and NODATA', async () => {
    const nx = await poste(['dns', 'query', '--dns', dns, 'nope.example.org', 'AAAA']);
    expect(nx.status).toBe(1);
    expect(nx.stdout).toBe('');
    expect(nx.stderr).toBe('poste dns query: nope.example.org. AAAA: NXDOMAIN\n');
    const nodata = await poste(['dns', 'query', '--dns', dns, 'example.org', 'AAAA']);
    expect(nodata.status).toBe(1);
    expect(nodata.stderr).toBe('poste dns query: example.org. AAAA: NODATA\n');
  });

  it('still prints JSON for a negative answer, with the SOA in authority', async () => {
    const r = await poste(['dns', 'query', '--json', '--dns', dns, 'nope.example.org']);
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.rcode).toBe('NXDOMAIN');
    expect(j.authority).toEqual([
      {
        name: 'example.org.',
        type: 'SOA',
        class: 'IN',
        ttl: 3600,
        data: 'ns1.example.org. hostmaster.example.org. 2026010101 7200 900 1209600 300',
      },
    ]);
  });

  it('exits 75 on SERVFAIL and when nobody answers', async () => {
    const r = await poste(['dns', 'query', '--dns', dns, 'fail.example.org']);
    expect(r.status).toBe(75);
    expect(r.stderr).toBe(`poste dns query: fail.example.org. A: ${dns} answered SERVFAIL\n`);
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    const port = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    const closed = await poste(['dns', 'query', '--dns', `127.0.0.1:${port}`, 'example.org']);
    expect(closed.status).toBe(75);
    expect(closed.stderr).toBe(
      `poste dns query: example.org. A: 127.0.0.1:${port}: connection refused (ECONNREFUSED)\n`,
    );
  });

  it('follows a truncated reply over TCP, or asks over TCP with --tcp', async () => {
    const r = await poste(['dns', 'query', '--dns', dns, 'big.example.org']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('big.example.org.\t60\tIN\tA\t192.0.2.9\n');
    expect(server.queries.map((q) => q.transport)).toEqual(['udp', 'tcp']);
    server.queries.length = 0;
    const t = await poste(['dns', 'query', '--tcp', '--dns', dns, 'example.org']);
    expect(t.status).toBe(0);
    expect(server.queries.map((q) => q.transport)).toEqual(['tcp']);
  });

  it('exits 64 on a bad server, type or command line, 65 on a bad name', async () => {
    const bad = await poste(['dns', 'query', '--dns', 'dns.example.net', 'example.org']);
    expect(bad.status).toBe(64);
    expect(bad.stderr).toMatch(
      /^poste dns query: --dns: bad DNS server "dns.example.net": not an IP address/,
    );
    const type = await poste(['dns', 'query', '--dns', dns, 'example.org', 'NOPE']);
    expect(type.status).toBe(64);
    expect(type.stderr).toBe('poste dns query: unknown record type "NOPE"\n');
    expect((await poste(['dns', 'query'])).status).toBe(64);
    expect((await poste(['dns', 'query', '--dns', dns, '--zone', 'z', 'example.org'])).status).toBe(64);
    const name = await poste(['dns', 'query', '--dns', dns, 'a..example.org']);
    expect(name.status).toBe(65);
    expect(name.stderr).toMatch(/^poste dns query: empty label/);
    expect(server.queries).toHaveLength(0);
  });

  it('asks the first nameserver of resolv.conf, and says so when there is none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poste-dns-'));
    try {
      const conf = join(dir, 'resolv.conf');
      writeFileSync(conf, '# no servers here\nsearch example.org\n');
      const none = await poste(['dns', 'query', 'example.org'], { POSTE_RESOLV_CONF: conf });
      expect(none.status).toBe(64);
      expect(none.stderr).toBe(`poste dns query: no nameserver in ${conf}: give --dns HOST:PORT\n`);
      writeFileSync(conf, 'nameserver 127.0.0.1\nnameserver 192.0.2.1\n');
      const parsed = await poste(['dns', 'query', 'x..y'], { POSTE_RESOLV_CONF: conf });
      expect(parsed.status).toBe(65); // the name is checked before anything is sent
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs through oclif alike (an argument after --)', async () => {
    const r = await poste(['dns', 'query', '--dns', dns, '--', 'example.org', 'MX']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toHaveLength(3);
  });

  it('answers from a zone file with --zone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poste-dns-'));
    try {
      const file = join(dir, 'example.org.zone');
      writeFileSync(
        file,
        [
          '$ORIGIN example.org.',
          '$TTL 3600',
          '@ IN SOA ns1 hostmaster 1 7200 900 1209600 300',
          '  IN NS ns1',
          '  IN MX 10 mx1',
          'ns1 IN A 192.0.2.53',
          'mx1 IN A 192.0.2.25',
          'www 600 IN CNAME mx1',
          '',
        ].join('\n'),
      );
      const r = await poste(['dns', 'query', '--zone', file, 'www.example.org']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(
        'www.example.org.\t600\tIN\tCNAME\tmx1.example.org.\nmx1.example.org.\t3600\tIN\tA\t192.0.2.25\n',
      );
      const j = JSON.parse(
        (await poste(['dns', 'query', '--json', '--zone', file, 'nope.example.org'])).stdout,
      );
      expect(j).toMatchObject({ server: file, rcode: 'NXDOMAIN', flags: ['qr', 'aa', 'rd'] });
      expect(j.authority[0]).toMatchObject({ type: 'SOA', ttl: 300 });
      expect((await poste(['dns', 'query', '--zone', file, 'example.org', 'TXT'])).status).toBe(1);
      expect((await poste(['dns', 'query', '--zone', join(dir, 'missing'), 'example.org'])).status).toBe(66);
      writeFileSync(file, 'www IN A 192.0.2.1\n');
      const bad = await poste(['dns', 'query', '--zone', file, 'www']);
      expect(bad.status).toBe(65);
      expect(server.queries).toHaveLength(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is parsed by the fast path as oclif parses it, or left to oclif', async () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, ManifestCommand>;
    };
    const cmd = manifest.commands['dns:query'] as ManifestCommand;
    const cases = [
      ['example.org'],
      ['example.org', 'MX', '--dns', '127.0.0.1:53'],
      ['--json', '--tcp', '--dns=[::1]:53', 'example.org', 'TXT'],
      ['--zone', 'z.db', 'www'],
      ['--zone', 'z.db', '--dns', '127.0.0.1', 'www'],
      ['a', 'b', 'c'],
      [],
      ['--dns'],
    ];
    const strip = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== false));
    let taken = 0;
    for (const argv of cases) {
      const fast = parseFast(argv, cmd);
      let slow: { flags: Record<string, unknown>; args: Record<string, unknown> } | 'error';
      try {
        slow = await Parser.parse(argv, {
          flags: DnsQuery.flags,
          args: DnsQuery.args,
          strict: true,
          context: undefined,
        });
      } catch {
        slow = 'error';
      }
      if (!fast) continue;
      taken++;
      expect(slow, argv.join(' ')).not.toBe('error');
      if (slow === 'error') continue;
      expect(strip(fast.flags), argv.join(' ')).toEqual(strip(slow.flags));
      expect(strip(fast.args), argv.join(' ')).toEqual(strip(slow.args));
    }
    expect(taken).toBe(4);
  });
});
