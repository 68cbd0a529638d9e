// DNS services answering from several processes (`--workers`, src/services/udp-workers.ts),
// run as a user runs them (the built CLI): the queries are spread over the processes, an
// UPDATE is seen by every one of them as soon as it is answered, a worker that dies is
// replaced while the others answer, and when the leader goes (SIGTERM, or SIGKILL) so do
// its workers. Every process started here is killed by PID after each test.
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLASS, OPCODE, RCODE, TYPE } from '../../src/dns/constants.js';
import { makeQuery, type ServerAddress } from '../../src/dns/stub.js';
import { generateKey, signMessage } from '../../src/dns/tsig.js';
import { makeRR, NO_FLAGS } from '../../src/dns/types.js';
import { decodeMessage, encodeMessage } from '../../src/dns/wire.js';
import { bin, repoRoot } from '../helpers/run-cli.js';

const ORIGIN = 'example.org.';
const KEY = generateKey('updater.');
let dir: string;
const pids = new Set<number>();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'poste-dns-workers-'));
});
afterEach(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  pids.clear();
  rmSync(dir, { recursive: true, force: true });
});

function zone(): string {
  const hosts = Array.from({ length: 50 }, (_, i) => `host${i} A 10.0.0.${i + 1}`);
  return [
    `$ORIGIN ${ORIGIN}`,
    '$TTL 300',
    '@ SOA ns1 hostmaster 1 7200 900 1209600 300',
    '@ NS ns1',
    'ns1 A 192.0.2.1',
    ...hosts,
    '',
  ].join('\n');
}

interface Running {
  child: ChildProcess;
  address: ServerAddress;
  /** Every JSON line logged so far. */
  events: Record<string, unknown>[];
  waitFor(pred: (e: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>>;
}

/** Starts `poste ARGS` and waits for its 'listening' line; its PID and its workers' are killed after the test. */
async function start(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  pids.add(child.pid as number);
  const events: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  let exited = false;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        const e = JSON.parse(line) as Record<string, unknown>;
        events.push(e);
        if (e.event === 'worker-ready') pids.add(e.pid as number);
      } catch {
        events.push({ event: 'text', line });
      }
    }
    for (const w of waiters) w();
  });
  child.once('exit', () => {
    exited = true;
    for (const w of waiters) w();
  });
  const waitFor = (pred: (e: Record<string, unknown>) => boolean, what: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = events.find(pred);
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        } else if (exited) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`exited before ${what}: ${JSON.stringify(events)}`));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${what} in 20 s: ${JSON.stringify(events)}`));
      }, 20_000);
      waiters.add(check);
      check();
    });
  const listening = await waitFor((e) => e.event === 'listening', 'listening');
  const [host, port] = String(listening.address).split(/:(?=\d+$)/) as [string, string];
  return { child, address: { host, port: Number(port) }, events, waitFor };
}

/** Sends each packet and collects the answers by id (one socket: one source port). */
async function exchangeAll(server: ServerAddress, packets: Uint8Array[]): Promise<Map<number, Uint8Array>> {
  const sock = dgram.createSocket('udp4');
  const got = new Map<number, Uint8Array>();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${got.size}/${packets.length} answered`)), 10_000);
      sock.on('message', (m) => {
        got.set(m.readUInt16BE(0), m);
        if (got.size === packets.length) {
          clearTimeout(timer);
          resolve();
        }
      });
      // A few at a time, so that no answer is lost to a full socket buffer.
      let next = 0;
      const burst = () => {
        for (let i = 0; i < 20 && next < packets.length; i++)
          sock.send(packets[next++] as Uint8Array, server.port, server.host);
        if (next < packets.length) setTimeout(burst, 5);
      };
      burst();
    });
  } finally {
    sock.close();
  }
  return got;
}

function aQuery(name: string, id: number): Uint8Array {
  return encodeMessage(makeQuery(name, TYPE.A, undefined, id));
}

function addressesIn(reply: Uint8Array): string[] {
  return decodeMessage(reply)
    .answers.filter((r) => r.type === TYPE.A)
    .map((r) => r.data as string);
}

/** `count` queries for the zone's hosts, in turn: every one answered with its address. */
async function expectHostsAnswered(server: ServerAddress, count: number): Promise<void> {
  const ids = Array.from({ length: count }, (_, i) => i);
  const replies = await exchangeAll(
    server,
    ids.map((i) => aQuery(`host${i % 50}.${ORIGIN}`, i)),
  );
  for (const i of ids) expect(addressesIn(replies.get(i) as Uint8Array)).toEqual([`10.0.0.${(i % 50) + 1}`]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pids: number[]): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!pids.some(alive)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function workerPids(r: Running): number[] {
  return r.events.filter((e) => e.event === 'worker-ready').map((e) => e.pid as number);
}

/** The state the leader logs on SIGUSR1, once it counts at least `queries`. */
async function stateWith(r: Running, queries: number): Promise<Record<string, unknown>> {
  for (let i = 0; i < 40; i++) {
    const seen = r.events.length;
    r.child.kill('SIGUSR1');
    const e = await r.waitFor((x) => x.event === 'state' && r.events.indexOf(x) >= seen, 'state');
    const state = JSON.parse(String(e.state)) as Record<string, unknown>;
    if ((state.counters as { queries: number }).queries >= queries) return state;
    await new Promise((res) => setTimeout(res, 250)); // workers report every second
  }
  throw new Error('the state never counted the queries');
}

describe('dns serve --workers', () => {
  it('answers from every process, and an UPDATE is seen by all of them once answered', async () => {
    writeFileSync(join(dir, 'example.org.zone'), zone());
    const secret = Buffer.from(KEY.secret).toString('base64');
    const r = await start([
      'dns',
      'serve',
      '--zones',
      dir,
      '--listen',
      '127.0.0.1:0',
      '--rrl',
      '0',
      '--workers',
      '3',
      '--tsig-key',
      `${KEY.name}:${secret}`,
    ]);
    expect(r.events.find((e) => e.event === 'listening')?.workers).toBe(3);
    expect(workerPids(r)).toHaveLength(2);

    // Many queries from many sockets: all answered right.
    const ids = Array.from({ length: 300 }, (_, i) => i);
    for (let s = 0; s < 3; s++) await expectHostsAnswered(r.address, 300);
    const state = await stateWith(r, 900);
    expect(state.workers).toBe(3);
    const each = state.queriesByProcess as number[];
    expect(each).toHaveLength(3);
    expect(each.reduce((a, b) => a + b, 0)).toBe(900);

    // A signed UPDATE over UDP (whichever process reads it, the leader applies it), then
    // queries: none may answer from before it.
    const update = encodeMessage({
      id: 0x7777,
      flags: { ...NO_FLAGS, opcode: OPCODE.UPDATE },
      rcode: RCODE.NOERROR,
      questions: [{ name: ORIGIN, type: TYPE.SOA, class: CLASS.IN }],
      answers: [],
      authority: [makeRR('fresh.example.org.', TYPE.A, 300, '192.0.2.77')],
      additional: [],
    });
    const reply = (await exchangeAll(r.address, [signMessage(update, KEY).wire])).get(0x7777) as Uint8Array;
    expect(decodeMessage(reply).rcode).toBe(RCODE.NOERROR);
    const after = await exchangeAll(
      r.address,
      ids.map((i) => aQuery('fresh.example.org.', i)),
    );
    for (const i of ids) expect(addressesIn(after.get(i) as Uint8Array)).toEqual(['192.0.2.77']);

    // SIGTERM: the leader exits 0, its workers with it.
    const workers = workerPids(r);
    const code = new Promise((res) => r.child.once('exit', res));
    r.child.kill('SIGTERM');
    expect(await code).toBe(0);
    expect(await gone(workers)).toBe(true);
  }, 60_000);

  it('replaces a worker that dies, and its workers go when the leader is killed', async () => {
    writeFileSync(join(dir, 'example.org.zone'), zone());
    const r = await start([
      'dns',
      'serve',
      '--zones',
      dir,
      '--listen',
      '127.0.0.1:0',
      '--rrl',
      '0',
      '--workers',
      '2',
    ]);
    const [first] = workerPids(r) as [number];
    process.kill(first, 'SIGKILL');
    await r.waitFor((e) => e.event === 'worker-exit', 'worker-exit');
    // Meanwhile the leader answers alone.
    const ids = Array.from({ length: 100 }, (_, i) => i);
    const during = await exchangeAll(
      r.address,
      ids.map((i) => aQuery(`host${i % 50}.${ORIGIN}`, i)),
    );
    expect(during.size).toBe(100);
    await r.waitFor((e) => e.event === 'worker-ready' && e.pid !== first, 'a new worker');
    const workers = workerPids(r).filter((p) => p !== first);
    expect(workers).toHaveLength(1);
    expect(alive(workers[0] as number)).toBe(true);

    // A leader killed outright cannot stop its workers: they notice it is gone and exit.
    r.child.kill('SIGKILL');
    expect(await gone(workers)).toBe(true);
  }, 60_000);

  it('refuses a worker count out of range, exit 64', async () => {
    const r = spawn(process.execPath, [bin, 'dns', 'serve', '--zones', dir, '--workers', '0'], {
      stdio: 'pipe',
    });
    let err = '';
    r.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
    });
    const code = await new Promise((res) => r.once('exit', res));
    expect(code).toBe(64);
    expect(err).toMatch(/--workers must be 1 to 64/);
  });
});

describe('dns resolver --workers', () => {
  it('answers from every process, each resolving and caching on its own', async () => {
    writeFileSync(join(dir, 'example.org.zone'), zone());
    const primary = await start(['dns', 'serve', '--zones', dir, '--listen', '127.0.0.1:0', '--rrl', '0']);
    const forward = `example.org=${primary.address.host}:${primary.address.port}`;
    const r = await start([
      'dns',
      'resolver',
      '--listen',
      '127.0.0.1:0',
      '--forward',
      forward,
      '--workers',
      '2',
    ]);
    expect(workerPids(r)).toHaveLength(1);
    for (let s = 0; s < 2; s++) await expectHostsAnswered(r.address, 200);
    const state = await stateWith(r, 400);
    expect(state.workers).toBe(2);
    expect((state.queriesByProcess as number[]).reduce((a, b) => a + b, 0)).toBe(400);
    const workers = workerPids(r);
    const code = new Promise((res) => r.child.once('exit', res));
    r.child.kill('SIGTERM');
    expect(await code).toBe(0);
    expect(await gone(workers)).toBe(true);
  }, 60_000);
});
