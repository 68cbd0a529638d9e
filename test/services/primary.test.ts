// The primary service in-process, spoken to on 127.0.0.1 over UDP and TCP: queries (and the
// answer cache), malformed packets, zone transfers with TSIG, signed UPDATEs written back to
// the zones directory (and committed when it is a git repository), edits by hand picked up
// by polling, NOTIFY to a secondary, and a barrage of broken packets that must leave the
// server answering.
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { promises as fs, watch } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { responseTo } from '../../src/dns/authority.js';
import { CLASS, OPCODE, RCODE, TYPE } from '../../src/dns/constants.js';
import { exchange, makeQuery, type ServerAddress, TcpFramer, tcpFrame } from '../../src/dns/stub.js';
import { generateKey, keyring, signMessage, type TsigKey, verifyMessage } from '../../src/dns/tsig.js';
import { type Message, makeRR, NO_FLAGS, type RR, type SoaData, type TsigData } from '../../src/dns/types.js';
import { type DecodedMessage, decodeMessage, encodeMessage } from '../../src/dns/wire.js';
import { parseZone } from '../../src/dns/zonefile.js';
import type { LogFields } from '../../src/services/log.js';
import { type Primary, startPrimary } from '../../src/services/primary/index.js';
import { arbMessage } from '../dns/arbitraries.js';

const run = promisify(execFile);

const ORIGIN = 'example.org.';
const KEY = generateKey('xfr.example.org.');
/** A key of tsig.keys limited to home.example.org. */
const SCOPED = generateKey('ddns.example.org.');
const EMPTY = new Uint8Array(0);

function zoneText(serial = 1, extra = ''): string {
  const lines = [
    '$TTL 3600',
    `@     IN SOA ns1 hostmaster ${serial} 7200 3600 1209600 300`,
    '@     IN NS  ns1',
    'ns1   IN A   192.0.2.1',
    'www   IN A   192.0.2.10',
  ];
  // Eight TXT records of 100 bytes: over 512 bytes on the wire.
  for (let i = 0; i < 8; i++) lines.push(`big   IN TXT "${String(i).repeat(100)}"`);
  // Enough records for an AXFR of several messages (100 records each).
  for (let i = 1; i <= 150; i++) lines.push(`host${i} IN A 198.51.100.${i}`);
  return `${lines.join('\n')}\n${extra}`;
}

// ---------------------------------------------------------------------------------------
// The service under test, one per test

interface Event {
  event: string;
  fields: LogFields;
}

let primary: Primary | undefined;
let dir = '';
let events: Event[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  await primary?.close();
  primary = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
  dir = '';
});

async function git(...args: string[]): Promise<string> {
  const { stdout } = await run('git', [
    '-C',
    dir,
    '-c',
    'user.name=Test',
    '-c',
    'user.email=test@example.invalid',
    ...args,
  ]);
  return stdout.trim();
}

const commitCount = async () => Number(await git('rev-list', '--count', 'HEAD'));
const zoneFile = () => join(dir, `${ORIGIN.slice(0, -1)}.zone`);

async function start(opts: { git?: boolean; notify?: ServerAddress[] } = {}): Promise<ServerAddress> {
  dir = await fs.mkdtemp(join(tmpdir(), 'poste-primary-'));
  await fs.writeFile(zoneFile(), zoneText());
  const secret = Buffer.from(SCOPED.secret).toString('base64');
  await fs.writeFile(
    join(dir, 'tsig.keys'),
    `# scoped keys\n${SCOPED.name} hmac-sha256 ${secret} home.example.org.\n`,
  );
  if (opts.git) {
    await git('init', '-q');
    await git('add', '.');
    await git('commit', '-q', '-m', 'initial zones');
  }
  events = [];
  primary = await startPrimary({
    zonesDir: dir,
    listen: { host: '127.0.0.1', port: 0 },
    keys: [KEY],
    notify: opts.notify ?? [],
    rateLimit: 0,
    rateLimitLoopback: false,
    pollMs: 100,
    log: (event, fields = {}) => events.push({ event, fields }),
  });
  return primary.address;
}

/** Waits, in short steps and for a bounded time, until `cond` holds. */
async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const hasEvent = (event: string, match: (f: LogFields) => boolean = () => true) =>
  events.some((e) => e.event === event && match(e.fields));

// ---------------------------------------------------------------------------------------
// Talking to it

function ask(
  server: ServerAddress,
  name: string,
  type: number,
  opts: { tcp?: boolean; udpSize?: number; id?: number } = {},
): Promise<DecodedMessage> {
  return exchange(server, makeQuery(name, type, opts.udpSize, opts.id), {
    tcp: opts.tcp,
    timeoutMs: 3000,
    attempts: 2,
  });
}

const encode = (m: Message) => encodeMessage(m);

function query(
  name: string,
  type: number,
  id: number,
  opts: { rd?: boolean; udpSize?: number } = {},
): Uint8Array {
  const m = makeQuery(name, type, opts.udpSize, id);
  m.flags = { ...m.flags, rd: opts.rd ?? true };
  return encode(m);
}

const idOf = (b: Uint8Array) => ((b[0] as number) << 8) | (b[1] as number);

/**
 * Sends datagrams in order from one socket and collects every reply until `until` accepts
 * one; all replies received up to then are returned. Fails after a bounded wait.
 */
async function udpCollect(
  server: ServerAddress,
  packets: Uint8Array[],
  until: (reply: Uint8Array) => boolean,
  timeoutMs = 10_000,
): Promise<Uint8Array[]> {
  const sock = dgram.createSocket('udp4');
  const got: Uint8Array[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no final reply over UDP (${got.length} replies)`)),
        timeoutMs,
      );
      sock.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      sock.on('message', (msg, rinfo) => {
        if (rinfo.port !== server.port) return;
        got.push(new Uint8Array(msg));
        if (until(msg)) {
          clearTimeout(timer);
          resolve();
        }
      });
      sock.bind(0, '127.0.0.1', async () => {
        for (const p of packets) {
          await new Promise<void>((r) => sock.send(p, server.port, server.host, () => r()));
        }
      });
    });
  } finally {
    await new Promise<void>((r) => sock.close(() => r()));
  }
  return got;
}

/** One datagram out, the first reply back. */
async function udpOnce(server: ServerAddress, packet: Uint8Array): Promise<Uint8Array> {
  const got = await udpCollect(server, [packet], () => true);
  return got[0] as Uint8Array;
}

/** A raw TCP connection reading length-prefixed frames. */
class TcpClient {
  private framer = new TcpFramer();
  private frames: Uint8Array[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (chunk) => {
      this.frames.push(...this.framer.push(chunk));
      this.wake?.();
    });
    sock.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    sock.on('error', () => {});
  }

  static connect(server: ServerAddress): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: server.host, port: server.port });
      sock.once('error', reject);
      sock.once('connect', () => {
        sock.off('error', reject);
        sock.setNoDelay(true);
        const c = new TcpClient(sock);
        cleanups.push(() => c.close());
        resolve(c);
      });
    });
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.sock.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  /** The next frame; fails after a bounded wait or when the server closes. */
  async next(timeoutMs = 10_000): Promise<Uint8Array> {
    const end = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.ended) throw new Error('the server closed the TCP connection');
      const left = end - Date.now();
      if (left <= 0) throw new Error('no frame over TCP in time');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wake = undefined;
    }
    return this.frames.shift() as Uint8Array;
  }

  /** Frames until one `until` accepts (included). */
  async until(accept: (frame: Uint8Array) => boolean): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (;;) {
      const f = await this.next();
      out.push(f);
      if (accept(f)) return out;
    }
  }

  close(): void {
    this.sock.destroy();
  }
}

async function tcpOnce(server: ServerAddress, packet: Uint8Array): Promise<Uint8Array> {
  const c = await TcpClient.connect(server);
  await c.write(tcpFrame(packet));
  const f = await c.next();
  c.close();
  return f;
}

// UPDATE messages (RFC 2136 §2) and signing.

function updateMessage(updates: RR[], prereqs: RR[] = [], zone = ORIGIN, id = 0x5151): Message {
  return {
    id,
    flags: { ...NO_FLAGS, opcode: OPCODE.UPDATE },
    rcode: RCODE.NOERROR,
    questions: [{ name: zone, type: TYPE.SOA, class: CLASS.IN }],
    answers: prereqs,
    authority: updates,
    additional: [],
  };
}

function signed(msg: Message | Uint8Array, key: TsigKey = KEY): { wire: Uint8Array; mac: Uint8Array } {
  return signMessage(msg instanceof Uint8Array ? msg : encode(msg), key);
}

const addA = (name: string, addr: string, ttl = 300) => makeRR(name, TYPE.A, ttl, addr);
const nameInUse = (name: string): RR => ({ name, type: TYPE.ANY, class: CLASS.ANY, ttl: 0, data: EMPTY });

function tsigOf(m: Message): TsigData | undefined {
  const last = m.additional.at(-1);
  return last?.type === TYPE.TSIG ? (last.data as TsigData) : undefined;
}

async function servedSerial(server: ServerAddress): Promise<number> {
  const r = await ask(server, ORIGIN, TYPE.SOA);
  const soa = r.answers[0]?.data as SoaData | undefined;
  if (!soa) throw new Error(`no SOA in the answer (rcode ${r.rcode})`);
  return soa.serial;
}

// ---------------------------------------------------------------------------------------

describe('primary: queries', () => {
  it('answers over UDP and TCP alike', async () => {
    const server = await start();
    for (const tcp of [false, true]) {
      const r = await ask(server, 'www.example.org.', TYPE.A, { tcp });
      expect(r.rcode).toBe(RCODE.NOERROR);
      expect(r.flags.aa).toBe(true);
      expect(r.flags.qr).toBe(true);
      expect(r.answers.map((a) => a.data)).toEqual(['192.0.2.10']);
      const nx = await ask(server, 'nope.example.org.', TYPE.A, { tcp });
      expect(nx.rcode).toBe(RCODE.NXDOMAIN);
      expect(nx.authority.map((a) => a.type)).toEqual([TYPE.SOA]);
      const refused = await ask(server, 'www.example.net.', TYPE.A, { tcp });
      expect(refused.rcode).toBe(RCODE.REFUSED);
    }
  });

  it('truncates a big answer over UDP (TC) and gives it whole over TCP', async () => {
    const server = await start();
    const udp = decodeMessage(await udpOnce(server, query('big.example.org.', TYPE.TXT, 7)));
    expect(udp.flags.tc).toBe(true);
    expect(udp.answers).toEqual([]);
    const tcp = await ask(server, 'big.example.org.', TYPE.TXT, { tcp: true });
    expect(tcp.flags.tc).toBe(false);
    expect(tcp.answers).toHaveLength(8);
    // With EDNS and room for it, the whole answer fits in one datagram.
    const edns = decodeMessage(
      await udpOnce(server, query('big.example.org.', TYPE.TXT, 8, { udpSize: 1232 })),
    );
    expect(edns.flags.tc).toBe(false);
    expect(edns.answers).toHaveLength(8);
    expect(edns.edns?.udpSize).toBe(1232);
  });

  it('answers several queries pipelined on one TCP connection, each with its id', async () => {
    const server = await start();
    const c = await TcpClient.connect(server);
    const ids = [101, 102, 103, 104];
    const names = ['www.example.org.', 'host1.example.org.', 'nope.example.org.', 'host150.example.org.'];
    const batch = Buffer.concat(names.map((n, i) => tcpFrame(query(n, TYPE.A, ids[i] as number))));
    await c.write(batch);
    const replies: DecodedMessage[] = [];
    for (let i = 0; i < ids.length; i++) replies.push(decodeMessage(await c.next()));
    expect(replies.map((r) => r.id).sort()).toEqual(ids);
    const byId = new Map(replies.map((r) => [r.id, r]));
    expect(byId.get(101)?.answers[0]?.data).toBe('192.0.2.10');
    expect(byId.get(102)?.answers[0]?.data).toBe('198.51.100.1');
    expect(byId.get(103)?.rcode).toBe(RCODE.NXDOMAIN);
    expect(byId.get(104)?.answers[0]?.data).toBe('198.51.100.150');
  });

  it('reassembles a query split across TCP chunks (inside the length prefix too)', async () => {
    const server = await start();
    const c = await TcpClient.connect(server);
    const frame = tcpFrame(query('www.example.org.', TYPE.A, 0x0abc));
    for (const [from, to] of [
      [0, 1],
      [1, 7],
      [7, frame.length],
    ] as const) {
      await c.write(frame.subarray(from, to));
      await new Promise((r) => setTimeout(r, 10));
    }
    const r = decodeMessage(await c.next());
    expect(r.id).toBe(0x0abc);
    expect(r.answers[0]?.data).toBe('192.0.2.10');
  });

  it('answers a repeated question from its cache with the new id, case and RD', async () => {
    const server = await start();
    const first = decodeMessage(await udpOnce(server, query('www.example.org.', TYPE.A, 1, { rd: true })));
    expect(first.flags.rd).toBe(true);
    const hitsBefore = primary?.state().counters.cacheHits ?? 0;
    const second = decodeMessage(await udpOnce(server, query('WWW.EXAMPLE.org.', TYPE.A, 2, { rd: false })));
    expect(primary?.state().counters.cacheHits).toBe(hitsBefore + 1);
    expect(second.id).toBe(2);
    expect(second.flags.rd).toBe(false);
    expect(second.flags.qr).toBe(true);
    expect(second.flags.aa).toBe(true);
    expect(second.questions).toEqual([{ name: 'WWW.EXAMPLE.org.', type: TYPE.A, class: CLASS.IN }]);
    expect(second.answers.map((a) => `${a.name} ${a.data}`)).toEqual(['WWW.EXAMPLE.org. 192.0.2.10']);
    // The same over TCP, and the first case again.
    const third = decodeMessage(await tcpOnce(server, query('Www.Example.Org.', TYPE.A, 3)));
    const fourth = decodeMessage(await tcpOnce(server, query('www.example.org.', TYPE.A, 4)));
    expect(third.questions[0]?.name).toBe('Www.Example.Org.');
    expect(fourth.questions[0]?.name).toBe('www.example.org.');
    expect(fourth.id).toBe(4);
  });

  it('keeps EDNS answers apart in the cache: DO is echoed as asked', async () => {
    const server = await start();
    const mk = (id: number, d: boolean) => {
      const m = makeQuery('www.example.org.', TYPE.A, 1232, id);
      if (m.edns) m.edns.do = d;
      return encode(m);
    };
    for (const [id, d] of [
      [1, true],
      [2, false],
      [3, true],
      [4, false],
    ] as const) {
      const r = decodeMessage(await udpOnce(server, mk(id, d)));
      expect(r.id).toBe(id);
      expect(r.edns?.do).toBe(d);
    }
    const plain = decodeMessage(await udpOnce(server, query('www.example.org.', TYPE.A, 5)));
    expect(plain.edns).toBeUndefined();
  });

  it('answers BADVERS to EDNS version 1, with OPT version 0 and size 1232', async () => {
    const server = await start();
    const m = makeQuery('www.example.org.', TYPE.A, 4096, 9);
    if (m.edns) m.edns.version = 1;
    for (const r of [await udpOnce(server, encode(m)), await tcpOnce(server, encode(m))]) {
      const d = decodeMessage(r);
      expect(d.rcode).toBe(RCODE.BADVERS);
      expect(d.edns).toMatchObject({ version: 0, udpSize: 1232 });
      expect(d.answers).toEqual([]);
    }
  });

  it('answers FORMERR (header only, id and RD kept) to a malformed packet whose header reads', async () => {
    const server = await start();
    // A header announcing one question, and no question.
    const header = Uint8Array.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    // A valid query followed by garbage.
    const trailing = Buffer.concat([query('www.example.org.', TYPE.A, 0x2222), Buffer.from([1, 2, 3])]);
    // A compression pointer pointing forwards.
    const pointer = Uint8Array.from([0x33, 0x33, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x20, 0, 1, 0, 1]);
    for (const [packet, id] of [
      [header, 0x1234],
      [trailing, 0x2222],
      [pointer, 0x3333],
    ] as const) {
      for (const reply of [await udpOnce(server, packet), await tcpOnce(server, packet)]) {
        expect(reply.length).toBe(12);
        const d = decodeMessage(reply);
        expect(d.id).toBe(id);
        expect(d.flags.qr).toBe(true);
        expect(d.rcode).toBe(RCODE.FORMERR);
        expect(d.flags.rd).toBe(id !== 0x3333);
      }
    }
  });

  it('stays silent for garbage shorter than a header and for packets with QR set', async () => {
    const server = await start();
    const response = decodeMessage(query('www.example.org.', TYPE.A, 0x7777));
    response.flags = { ...response.flags, qr: true };
    const sentinel = query('www.example.org.', TYPE.A, 0x5e47);
    const quiet = [Uint8Array.from([1, 2, 3, 4, 5]), new Uint8Array(0), new Uint8Array(11), encode(response)];
    // QR set and malformed: silent too (never answer a response).
    quiet.push(Uint8Array.from([0x77, 0x78, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
    const got = await udpCollect(server, [...quiet, sentinel], (r) => idOf(r) === 0x5e47);
    expect(got.map(idOf)).toEqual([0x5e47]);
    // Over TCP: the connection stays usable and the next query is answered first.
    const c = await TcpClient.connect(server);
    await c.write(Buffer.concat([...quiet.map(tcpFrame), tcpFrame(sentinel)]));
    expect(idOf(await c.next())).toBe(0x5e47);
  });

  it('refuses a NOTIFY (we are the primary) and does not implement other opcodes', async () => {
    const server = await start();
    const notify: Message = {
      id: 0x4e4f,
      flags: { ...NO_FLAGS, opcode: OPCODE.NOTIFY, aa: true },
      rcode: 0,
      questions: [{ name: ORIGIN, type: TYPE.SOA, class: CLASS.IN }],
      answers: [],
      authority: [],
      additional: [],
    };
    const r = decodeMessage(await udpOnce(server, encode(notify)));
    expect(r.rcode).toBe(RCODE.REFUSED);
    expect(r.flags.opcode).toBe(OPCODE.NOTIFY);
    const status = decodeMessage(
      await udpOnce(server, encode({ ...notify, flags: { ...NO_FLAGS, opcode: OPCODE.STATUS } })),
    );
    expect(status.rcode).toBe(RCODE.NOTIMP);
  });

  it('signs the answer to a signed query', async () => {
    const server = await start();
    const s = signed(query('www.example.org.', TYPE.A, 0x1111));
    const reply = await udpOnce(server, s.wire);
    const v = verifyMessage(reply, { keys: keyring([KEY]), requestMac: s.mac });
    expect(v.ok).toBe(true);
    expect(decodeMessage(reply).answers[0]?.data).toBe('192.0.2.10');
  });
});

describe('primary: zone transfers', () => {
  it('sends the whole zone over TCP with the key: SOA first and last, every message signed and chained', async () => {
    const server = await start();
    const req = signed(query(ORIGIN, TYPE.AXFR, 0x0a0a));
    const c = await TcpClient.connect(server);
    await c.write(tcpFrame(req.wire));
    let soaCount = 0;
    const frames = await c.until((f) => {
      const m = decodeMessage(f);
      soaCount += m.answers.filter((r) => r.type === TYPE.SOA).length;
      return soaCount >= 2 || m.rcode !== RCODE.NOERROR;
    });
    expect(frames.length).toBeGreaterThan(1);
    const msgs = frames.map((f) => decodeMessage(f));
    for (const m of msgs) {
      expect(m.id).toBe(0x0a0a);
      expect(m.rcode).toBe(RCODE.NOERROR);
      expect(m.flags.aa).toBe(true);
    }
    // Each message verifies, chained to the request, then to the previous message.
    let mac: Uint8Array | undefined;
    for (const [i, f] of frames.entries()) {
      const v = verifyMessage(f, {
        keys: keyring([KEY]),
        ...(i === 0 ? { requestMac: req.mac } : { previousMac: mac }),
      });
      expect(v.ok, `message ${i} verifies`).toBe(true);
      if (v.ok) mac = v.mac;
    }
    const records = msgs.flatMap((m) => m.answers);
    expect(records[0]?.type).toBe(TYPE.SOA);
    expect(records.at(-1)?.type).toBe(TYPE.SOA);
    expect(records.slice(1, -1).some((r) => r.type === TYPE.SOA)).toBe(false);
    const file = parseZone(zoneText(), { origin: ORIGIN });
    const key = (r: RR) => `${r.name.toLowerCase()} ${r.type} ${JSON.stringify(r.data)}`;
    expect(records.slice(0, -1).map(key).sort()).toEqual(file.records.map(key).sort());
    expect(primary?.state().counters.transfers).toBe(1);
    expect(hasEvent('transfer', (f) => f.zone === ORIGIN)).toBe(true);
  });

  it('refuses an AXFR without a key (REFUSED) and over UDP (NOTIMP)', async () => {
    const server = await start();
    const plain = decodeMessage(await tcpOnce(server, query(ORIGIN, TYPE.AXFR, 1)));
    expect(plain.rcode).toBe(RCODE.REFUSED);
    expect(plain.answers).toEqual([]);
    const udp = decodeMessage(await udpOnce(server, query(ORIGIN, TYPE.AXFR, 2)));
    expect(udp.rcode).toBe(RCODE.NOTIMP);
    const udpSigned = decodeMessage(await udpOnce(server, signed(query(ORIGIN, TYPE.AXFR, 3)).wire));
    expect(udpSigned.rcode).toBe(RCODE.NOTIMP);
    expect(hasEvent('transfer-refused')).toBe(true);
  });

  it('answers IXFR from a current client, or over UDP, with the SOA alone; a client behind gets the zone', async () => {
    const server = await start();
    const ixfr = (serial: number, id: number) => {
      const m = makeQuery(ORIGIN, TYPE.IXFR, undefined, id);
      m.authority = [
        makeRR(ORIGIN, TYPE.SOA, 0, {
          mname: 'a.',
          rname: 'b.',
          serial,
          refresh: 0,
          retry: 0,
          expire: 0,
          minimum: 0,
        }),
      ];
      return signed(encode(m)).wire;
    };
    const current = decodeMessage(await tcpOnce(server, ixfr(1, 21)));
    expect(current.answers.map((r) => r.type)).toEqual([TYPE.SOA]);
    const overUdp = decodeMessage(await udpOnce(server, ixfr(0, 22)));
    expect(overUdp.answers.map((r) => r.type)).toEqual([TYPE.SOA]);
    const behind = decodeMessage(await tcpOnce(server, ixfr(0, 23)));
    expect(behind.answers.length).toBeGreaterThan(2);
    expect(behind.answers[0]?.type).toBe(TYPE.SOA);
  });

  it('answers NOTAUTH with TSIG error BADSIG for a wrong secret, BADKEY for an unknown key', async () => {
    const server = await start();
    const wrongSecret: TsigKey = { ...KEY, secret: new Uint8Array(32).fill(7) };
    const unknown = generateKey('nobody.example.org.');
    for (const [key, error] of [
      [wrongSecret, RCODE.BADSIG],
      [unknown, RCODE.BADKEY],
    ] as const) {
      const r = await exchange(server, signed(query(ORIGIN, TYPE.AXFR, 5), key).wire, {
        tcp: true,
        timeoutMs: 3000,
      });
      expect(r.rcode).toBe(RCODE.NOTAUTH);
      expect(r.answers).toEqual([]);
      expect(tsigOf(r)?.error).toBe(error);
      expect(tsigOf(r)?.mac).toEqual(EMPTY);
    }
    expect(hasEvent('tsig-failed')).toBe(true);
  });

  it('answers FORMERR to a MAC shorter than allowed, and a signed BADTIME to a stale signature', async () => {
    const server = await start();
    const short = decodeMessage(query(ORIGIN, TYPE.AXFR, 0x0b0b));
    short.additional = [
      makeRR(
        KEY.name,
        TYPE.TSIG,
        0,
        {
          algorithm: KEY.algorithm,
          timeSigned: Math.floor(Date.now() / 1000),
          fudge: 300,
          mac: new Uint8Array(5),
          originalId: 0x0b0b,
          error: 0,
          other: EMPTY,
        },
        CLASS.ANY,
      ),
    ];
    const formerr = decodeMessage(await tcpOnce(server, encode(short)));
    expect(formerr.rcode).toBe(RCODE.FORMERR);
    expect(tsigOf(formerr)).toBeUndefined();

    const stale = signMessage(query(ORIGIN, TYPE.AXFR, 0x0c0c), KEY, {
      time: Math.floor(Date.now() / 1000) - 3600,
    });
    const reply = await tcpOnce(server, stale.wire);
    const d = decodeMessage(reply);
    expect(d.rcode).toBe(RCODE.NOTAUTH);
    expect(d.answers).toEqual([]);
    const v = verifyMessage(reply, { keys: keyring([KEY]), requestMac: stale.mac });
    expect(v.ok).toBe(false);
    if (!v.ok && v.error === 'peer') {
      expect(v.tsigError).toBe(RCODE.BADTIME);
      expect(v.authentic).toBe(true);
    } else {
      expect.unreachable(`expected a signed BADTIME, got ${JSON.stringify(v)}`);
    }
  });

  it('refuses a transfer to a key scoped below the zone, and NOTAUTH for a zone not ours', async () => {
    const server = await start();
    const scoped = decodeMessage(await tcpOnce(server, signed(query(ORIGIN, TYPE.AXFR, 6), SCOPED).wire));
    expect(scoped.rcode).toBe(RCODE.REFUSED);
    const other = decodeMessage(await tcpOnce(server, signed(query('example.net.', TYPE.AXFR, 7)).wire));
    expect(other.rcode).toBe(RCODE.NOTAUTH);
  });
});

describe('primary: UPDATE', () => {
  it('applies a signed update: served at once, zone file rewritten, serial +1, one git commit', async () => {
    const server = await start({ git: true });
    const commits = await commitCount();
    const s = signed(updateMessage([addA('new.example.org.', '192.0.2.99')]));
    const reply = await udpOnce(server, s.wire);
    expect(decodeMessage(reply).rcode).toBe(RCODE.NOERROR);
    expect(verifyMessage(reply, { keys: keyring([KEY]), requestMac: s.mac }).ok).toBe(true);

    const r = await ask(server, 'new.example.org.', TYPE.A);
    expect(r.answers.map((a) => a.data)).toEqual(['192.0.2.99']);
    expect(await servedSerial(server)).toBe(2);

    const file = parseZone(await fs.readFile(zoneFile(), 'utf8'), { origin: ORIGIN });
    const soa = file.records.find((x) => x.type === TYPE.SOA)?.data as SoaData | undefined;
    expect(soa?.serial).toBe(2);
    expect(file.records.filter((x) => x.name === 'new.example.org.').map((x) => x.data)).toEqual([
      '192.0.2.99',
    ]);
    expect(file.records).toHaveLength(parseZone(zoneText(), { origin: ORIGIN }).records.length + 1);

    expect(await commitCount()).toBe(commits + 1);
    expect(await git('log', '-1', '--format=%B')).toContain(ORIGIN);
    expect(await git('status', '--porcelain')).toBe('');
    expect(hasEvent('update', (f) => f.zone === ORIGIN && f.serial === 2)).toBe(true);

    // A second update over TCP: one more commit, serial 3.
    const s2 = signed(updateMessage([addA('new2.example.org.', '192.0.2.98')], [], ORIGIN, 0x5252));
    expect(decodeMessage(await tcpOnce(server, s2.wire)).rcode).toBe(RCODE.NOERROR);
    expect(await commitCount()).toBe(commits + 2);
    expect(await servedSerial(server)).toBe(3);
  });

  it('answers a signed update sent again as the first time, and applies it once (no replay)', async () => {
    const server = await start({ git: true });
    const commits = await commitCount();
    const add = signed(updateMessage([addA('again.example.org.', '192.0.2.50')], [], ORIGIN, 0x6161));
    const first = await udpOnce(server, add.wire);
    expect(decodeMessage(first).rcode).toBe(RCODE.NOERROR);
    // A newer update deletes the name (an RRset deleted: class ANY, RFC 2136 §2.5.2).
    const del: RR = { name: 'again.example.org.', type: TYPE.A, class: CLASS.ANY, ttl: 0, data: EMPTY };
    expect(
      decodeMessage(await udpOnce(server, signed(updateMessage([del], [], ORIGIN, 0x6262)).wire)).rcode,
    ).toBe(RCODE.NOERROR);
    expect(await commitCount()).toBe(commits + 2);
    // The first update again, over UDP and TCP, as a retransmission or a replay would come:
    // its first answer (still valid for its MAC), nothing applied, no commit.
    for (const again of [await udpOnce(server, add.wire), await tcpOnce(server, add.wire)]) {
      expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
      expect(verifyMessage(again, { keys: keyring([KEY]), requestMac: add.mac }).ok).toBe(true);
    }
    expect((await ask(server, 'again.example.org.', TYPE.A)).rcode).toBe(RCODE.NXDOMAIN);
    expect(await commitCount()).toBe(commits + 2);
    expect(await servedSerial(server)).toBe(3);
    expect(primary?.state().counters.updatesRepeated).toBe(2);
    expect(hasEvent('update-repeated', (f) => f.zone === ORIGIN)).toBe(true);
  });

  it('refuses unsigned, out-of-scope and prerequisite-failing updates, leaving file and git alone', async () => {
    const server = await start({ git: true });
    const bytes = await fs.readFile(zoneFile());
    const commits = await commitCount();
    const cases: [Uint8Array, number][] = [
      [encode(updateMessage([addA('x.example.org.', '192.0.2.1')])), RCODE.REFUSED],
      [signed(updateMessage([addA('x.example.org.', '192.0.2.1')]), SCOPED).wire, RCODE.REFUSED],
      [
        signed(updateMessage([addA('x.example.org.', '192.0.2.1')], [nameInUse('nope.example.org.')])).wire,
        RCODE.NXDOMAIN,
      ],
      [signed(updateMessage([addA('x.example.net.', '192.0.2.1')])).wire, RCODE.NOTZONE],
      [signed(updateMessage([addA('x.example.net.', '192.0.2.1')], [], 'example.net.')).wire, RCODE.NOTAUTH],
    ];
    for (const [wire, rcode] of cases) {
      expect(decodeMessage(await udpOnce(server, wire)).rcode).toBe(rcode);
    }
    expect(await fs.readFile(zoneFile())).toEqual(bytes);
    expect(await commitCount()).toBe(commits);
    expect(await servedSerial(server)).toBe(1);
    expect((await ask(server, 'x.example.org.', TYPE.A)).rcode).toBe(RCODE.NXDOMAIN);
    expect(primary?.state().counters.updatesRefused).toBe(cases.length);
  });

  it('lets a scoped key update its own names', async () => {
    const server = await start({ git: true });
    const commits = await commitCount();
    const s = signed(updateMessage([addA('pc.home.example.org.', '192.0.2.7')]), SCOPED);
    expect(decodeMessage(await udpOnce(server, s.wire)).rcode).toBe(RCODE.NOERROR);
    expect((await ask(server, 'pc.home.example.org.', TYPE.A)).answers[0]?.data).toBe('192.0.2.7');
    expect(await commitCount()).toBe(commits + 1);
  });

  it('answers NOERROR to an update that changes nothing, without writing or committing', async () => {
    const server = await start({ git: true });
    const bytes = await fs.readFile(zoneFile());
    const commits = await commitCount();
    const s = signed(updateMessage([addA('www.example.org.', '192.0.2.10', 3600)]));
    expect(decodeMessage(await udpOnce(server, s.wire)).rcode).toBe(RCODE.NOERROR);
    expect(await fs.readFile(zoneFile())).toEqual(bytes);
    expect(await commitCount()).toBe(commits);
    expect(await servedSerial(server)).toBe(1);
  });
  // Regression: a reply finished after close() (an update being written) is not sent on the closed socket.
  it('closing while a UDP update is in flight does not raise an unhandled rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    cleanups.push(() => {
      process.off('unhandledRejection', onRejection);
    });
    const server = await start({ git: true });
    const watcher = watch(dir);
    cleanups.push(() => watcher.close());
    const writing = new Promise<void>((resolve) => {
      watcher.on('change', (_type, name) => {
        if (String(name).includes('.tmp-')) resolve();
      });
    });
    const sock = dgram.createSocket('udp4');
    cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
    const s = signed(updateMessage([addA('late.example.org.', '192.0.2.66')]));
    sock.send(s.wire, server.port, server.host);
    await writing;
    await primary?.close();
    primary = undefined;
    // The update finishes after the close and then tries to answer.
    await waitFor('the update to finish', () => hasEvent('update') || hasEvent('update-failed'));
    await new Promise((r) => setTimeout(r, 50));
    expect(rejections.map(String)).toEqual([]);
  });
});

describe('primary: the zones directory', () => {
  it('serves an edit by hand after the next poll', async () => {
    const server = await start();
    await fs.writeFile(zoneFile(), zoneText(5, 'edited IN A 192.0.2.55\n'));
    await waitFor('the edit to be served', async () => (await servedSerial(server)) === 5);
    expect((await ask(server, 'edited.example.org.', TYPE.A)).answers[0]?.data).toBe('192.0.2.55');
    expect(hasEvent('zone-reloaded', (f) => f.zone === ORIGIN && f.serial === 5)).toBe(true);
  });

  it('serves a commit by hand, then commits the next update on top of it', async () => {
    const server = await start({ git: true });
    await fs.writeFile(zoneFile(), zoneText(7, 'byhand IN A 192.0.2.77\n'));
    await git('commit', '-q', '-am', 'by hand');
    const commits = await commitCount();
    await waitFor('the commit to be served', async () => (await servedSerial(server)) === 7);
    await waitFor('HEAD to be noticed', () => hasEvent('git-head-moved'));
    expect((await ask(server, 'byhand.example.org.', TYPE.A)).answers[0]?.data).toBe('192.0.2.77');
    const s = signed(updateMessage([addA('after.example.org.', '192.0.2.78')]));
    expect(decodeMessage(await udpOnce(server, s.wire)).rcode).toBe(RCODE.NOERROR);
    expect(await servedSerial(server)).toBe(8);
    expect(await commitCount()).toBe(commits + 1);
    const file = await fs.readFile(zoneFile(), 'utf8');
    expect(file).toContain('byhand');
    expect(file).toContain('after');
  });

  it('logs a zone file with a syntax error and keeps serving the previous version', async () => {
    const server = await start();
    await fs.writeFile(zoneFile(), `${zoneText(9)}broken IN A not-an-address\n`);
    await waitFor('the load failure', () => hasEvent('zone-load-failed', (f) => f.zone === ORIGIN));
    const failure = events.find((e) => e.event === 'zone-load-failed');
    expect(String(failure?.fields.error)).toMatch(/:\d+:/);
    expect(await servedSerial(server)).toBe(1);
    expect((await ask(server, 'www.example.org.', TYPE.A)).answers[0]?.data).toBe('192.0.2.10');
    // Fixed: served again.
    await fs.writeFile(zoneFile(), zoneText(10));
    await waitFor('the fixed file to be served', async () => (await servedSerial(server)) === 10);
  });

  it('drops a zone whose file is removed (REFUSED), and picks up a new one', async () => {
    const server = await start();
    await fs.writeFile(
      join(dir, 'example.net.zone'),
      '$TTL 60\n@ IN SOA ns1 hm 3 1 1 1 1\n@ IN NS ns1\nns1 IN A 192.0.2.3\n',
    );
    await waitFor(
      'the new zone',
      async () => (await ask(server, 'ns1.example.net.', TYPE.A)).rcode === RCODE.NOERROR,
    );
    await fs.rm(zoneFile());
    await waitFor(
      'the zone to go',
      async () => (await ask(server, 'www.example.org.', TYPE.A)).rcode === RCODE.REFUSED,
    );
    expect(hasEvent('zone-removed', (f) => f.zone === ORIGIN)).toBe(true);
    expect(primary?.state().zones.map((z) => z.zone)).toEqual(['example.net.']);
  });
});

describe('primary: NOTIFY', () => {
  it('notifies a secondary of a change and logs its answer', async () => {
    const secondary = dgram.createSocket('udp4');
    const received: DecodedMessage[] = [];
    secondary.on('message', (msg, rinfo) => {
      let m: DecodedMessage;
      try {
        m = decodeMessage(msg);
      } catch {
        return;
      }
      received.push(m);
      const res = responseTo(m);
      res.flags.aa = true;
      secondary.send(encode(res), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => secondary.bind(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => secondary.close(() => r())));
    const server = await start({ notify: [{ host: '127.0.0.1', port: secondary.address().port }] });

    const s = signed(updateMessage([addA('notified.example.org.', '192.0.2.44')]));
    expect(decodeMessage(await udpOnce(server, s.wire)).rcode).toBe(RCODE.NOERROR);
    const serialOf = (m: Message) =>
      (m.answers.find((r) => r.type === TYPE.SOA)?.data as SoaData | undefined)?.serial;
    await waitFor('a NOTIFY with the new serial', () => received.some((m) => serialOf(m) === 2));
    const n = received.find((m) => serialOf(m) === 2) as DecodedMessage;
    expect(n.flags.opcode).toBe(OPCODE.NOTIFY);
    expect(n.flags.aa).toBe(true);
    expect(n.flags.qr).toBe(false);
    expect(n.questions).toEqual([{ name: ORIGIN, type: TYPE.SOA, class: CLASS.IN }]);
    await waitFor('the notify event', () => hasEvent('notify', (f) => f.zone === ORIGIN && f.serial === 2));
    const ev = events.find((e) => e.event === 'notify' && e.fields.serial === 2);
    expect(ev?.fields.rcode).toBe('NOERROR');
  });
});

// ---------------------------------------------------------------------------------------
// Robustness

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Valid messages of every kind the server handles, to break. */
function seeds(): Uint8Array[] {
  const withEdns = makeQuery('www.example.org.', TYPE.A, 4096, 11);
  if (withEdns.edns) withEdns.edns.do = true;
  return [
    query('www.example.org.', TYPE.A, 10),
    encode(withEdns),
    query('big.example.org.', TYPE.TXT, 12),
    query('*.example.org.', TYPE.ANY, 13),
    signed(query('www.example.org.', TYPE.A, 14)).wire,
    signed(query(ORIGIN, TYPE.AXFR, 15)).wire,
    encode(updateMessage([addA('fuzz.example.org.', '192.0.2.200')], [nameInUse('www.example.org.')])),
    signed(updateMessage([addA('fuzz.example.org.', '192.0.2.201')], [], ORIGIN, 16)).wire,
    signed(
      updateMessage([
        // (Deletes only names the checks below do not ask for: a copy with another id still verifies.)
        { name: 'fuzz.example.org.', type: TYPE.A, class: CLASS.NONE, ttl: 0, data: '192.0.2.200' } as RR,
        makeRR('fuzz.example.org.', TYPE.TXT, 60, [Uint8Array.from([104, 105])]),
      ]),
    ).wire,
    encode(makeQueryNotify()),
  ];
}

function makeQueryNotify(): Message {
  return {
    id: 17,
    flags: { ...NO_FLAGS, opcode: OPCODE.NOTIFY, aa: true },
    rcode: 0,
    questions: [{ name: ORIGIN, type: TYPE.SOA, class: CLASS.IN }],
    answers: [],
    authority: [],
    additional: [],
  };
}

/** `n` broken packets: random bytes, truncations and single-byte flips of the seeds. */
function mutants(n: number, seed: number): Uint8Array[] {
  const rnd = prng(seed);
  const int = (max: number) => Math.floor(rnd() * max);
  const base = seeds();
  const out: Uint8Array[] = [];
  while (out.length < n) {
    const s = base[int(base.length)] as Uint8Array;
    const kind = int(10);
    if (kind === 0) {
      out.push(Uint8Array.from({ length: int(600) }, () => int(256)));
    } else if (kind <= 2) {
      out.push(s.slice(0, int(s.length)));
    } else if (kind === 3) {
      // A header of a valid message with random counts, the rest kept.
      const m = s.slice();
      for (let i = 4; i < 12; i++) m[i] = int(256);
      out.push(m);
    } else {
      const m = s.slice();
      const flips = kind === 9 ? 1 + int(4) : 1;
      for (let f = 0; f < flips; f++) {
        const at = int(m.length);
        m[at] = (m[at] as number) ^ (1 + int(255));
      }
      out.push(m);
    }
  }
  return out;
}

let sentinelN = 0;
/** A query whose answer proves the server still answers: a fresh name each time. */
function sentinel(): { bytes: Uint8Array; isReply: (r: Uint8Array) => boolean } {
  const id = 0xf000 + (sentinelN++ % 0x0fff);
  const name = `sentinel-${sentinelN}.example.org.`;
  return {
    bytes: query(name, TYPE.A, id),
    isReply: (r) => {
      if (idOf(r) !== id) return false;
      try {
        const m = decodeMessage(r);
        return m.flags.qr && m.questions[0]?.name.toLowerCase() === name && m.rcode === RCODE.NXDOMAIN;
      } catch {
        return false;
      }
    },
  };
}

/** Every update queued before this one has been answered once this one is. */
async function drainUpdates(server: ServerAddress): Promise<void> {
  const s = signed(updateMessage([], [], ORIGIN, 0x0d0d));
  expect(decodeMessage(await tcpOnce(server, s.wire)).rcode).toBe(RCODE.NOERROR);
}

async function stillAnswers(server: ServerAddress): Promise<void> {
  for (const tcp of [false, true]) {
    const r = await ask(server, 'www.example.org.', TYPE.A, { tcp });
    expect(r.rcode).toBe(RCODE.NOERROR);
    expect(r.answers.map((a) => a.data)).toEqual(['192.0.2.10']);
  }
  expect(events.filter((e) => e.event === 'error')).toEqual([]);
}

describe('primary: robustness', () => {
  it('survives 2,000 broken packets over UDP and TCP and still answers', async () => {
    const server = await start();
    const packets = mutants(2000, 0xdecaf);
    // UDP in batches, each closed by a sentinel query that must be answered.
    const udpPart = packets.slice(0, 1500);
    for (let i = 0; i < udpPart.length; i += 50) {
      const s = sentinel();
      await udpCollect(server, [...udpPart.slice(i, i + 50), s.bytes], s.isReply);
    }
    // TCP: framed on one connection (with a sentinel after each batch), then unframed garbage.
    const tcpPart = packets.slice(1500);
    const c = await TcpClient.connect(server);
    for (let i = 0; i < tcpPart.length; i += 50) {
      const s = sentinel();
      await c.write(Buffer.concat([...tcpPart.slice(i, i + 50).map(tcpFrame), tcpFrame(s.bytes)]));
      await c.until(s.isReply);
    }
    c.close();
    const rnd = prng(7);
    for (let i = 0; i < 20; i++) {
      const g = await TcpClient.connect(server);
      await g.write(Uint8Array.from({ length: 1 + Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256)));
      g.close();
    }
    await drainUpdates(server);
    await stillAnswers(server);
    expect(primary?.state().counters.formerr).toBeGreaterThan(0);
  });

  it('survives arbitrary messages and bytes (property), over UDP and TCP', async () => {
    const server = await start();
    const c = await TcpClient.connect(server);
    const packet = fc.oneof(
      fc.uint8Array({ maxLength: 700 }),
      arbMessage.map((m) => {
        try {
          return encodeMessage(m);
        } catch {
          return Uint8Array.from([m.id >> 8, m.id & 0xff]);
        }
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(packet, { minLength: 1, maxLength: 8 }), async (batch) => {
        const s = sentinel();
        const got = await udpCollect(server, [...batch, s.bytes], s.isReply);
        expect(got.length).toBeGreaterThan(0);
        const t = sentinel();
        await c.write(
          Buffer.concat([...batch.filter((b) => b.length <= 65535).map(tcpFrame), tcpFrame(t.bytes)]),
        );
        await c.until(t.isReply);
      }),
      { numRuns: 150 },
    );
    await drainUpdates(server);
    await stillAnswers(server);
  });
});
