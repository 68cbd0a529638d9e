// What the primary does with one DNS message, transport aside: standard queries (with a
// cache of encoded answers), AXFR, UPDATE and NOTIFY, each checked against TSIG first when
// signed. Returns the messages to send back (several for a zone transfer, none to stay silent).
import {
  answerQuery,
  applyUpdate,
  type DecodedMessage,
  DnsFormatError,
  decodeMessage,
  encodeMessage,
  formatRR,
  type KeyPolicy,
  type Message,
  OPCODE,
  RCODE,
  rcodeName,
  responseTo,
  type SoaData,
  serialGreater,
  signedErrorResponse,
  signMessage,
  type TsigKey,
  TYPE,
  tsigRecordSize,
  typeName,
  udpLimit,
  verifyMessage,
  type Zone,
} from '../../dns/index.js';
import { cacheKey, KEY_PREFIX, type Transport } from '../dns-socket.js';
import type { Logger } from '../log.js';
import type { ZoneDir } from './zone-dir.js';

export interface Counters {
  queries: number;
  cacheHits: number;
  formerr: number;
  refused: number;
  updates: number;
  updatesRefused: number;
  /** Signed updates seen again (a retransmission, or a replay): answered as before, not applied. */
  updatesRepeated: number;
  transfers: number;
  tsigFailures: number;
  rateLimited: number;
}

/** Messages of an AXFR response: RRs per message, far under 64 KiB for usual records. */
const AXFR_BATCH = 100;
/** Encoded answers kept (per zone generation); cleared on every change. */
const CACHE_MAX = 50_000;
/**
 * How long the answer to a signed update is remembered, in seconds: longer than a signature
 * is accepted (its time ± fudge, 300 s by default), so that a copy of the update is always
 * either refused by TSIG (BADTIME) or recognized here. At most UPDATES_SEEN_MAX of them.
 */
const UPDATE_MEMORY_S = 900;
const UPDATES_SEEN_MAX = 10_000;

interface Signed {
  key: TsigKey;
  mac: Uint8Array;
}

export class PrimaryHandler {
  readonly counters: Counters = {
    queries: 0,
    cacheHits: 0,
    formerr: 0,
    refused: 0,
    updates: 0,
    updatesRefused: 0,
    updatesRepeated: 0,
    transfers: 0,
    tsigFailures: 0,
    rateLimited: 0,
  };
  private cache = new Map<string, Uint8Array>();
  /** Updates apply one at a time: each sees the zone the previous one left. */
  private updates: Promise<unknown> = Promise.resolve();
  /**
   * Answers to signed updates by key and request MAC. A client that did not get our answer
   * sends the same message again (nsupdate over UDP does), and so could someone who copied
   * it; applied a second time, an old update could undo a newer one. So a message seen
   * before gets its first answer again and changes nothing.
   */
  private readonly updatesSeen = new Map<string, { reply: Uint8Array; until: number }>();

  constructor(
    private readonly zones: ZoneDir,
    private readonly log: Logger,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
    /**
     * A UDP worker's: who answers what changes or proves state (UPDATE, NOTIFY, anything
     * signed, transfers), the leader that holds the zones' only writable copy.
     */
    private readonly delegate?: (
      bytes: Uint8Array,
      transport: Transport,
      remote: string,
    ) => Promise<Uint8Array[]>,
  ) {}

  /** Forget cached answers (a zone changed). */
  invalidate(): void {
    this.cache.clear();
  }

  async handle(bytes: Uint8Array, transport: Transport, remote: string): Promise<Uint8Array[]> {
    const fast = this.fromCache(bytes, transport);
    if (fast) return [fast];
    return this.handleFully(bytes, transport, remote);
  }

  /** The cached answer to a plain query, synchronously; undefined when handle() must decide. */
  fromCache(bytes: Uint8Array, transport: Transport): Uint8Array | undefined {
    if (this.cache.size === 0) return undefined;
    const key = cacheKey(bytes, transport);
    if (key === undefined) return undefined;
    const hit = this.cache.get(key);
    if (!hit) return undefined;
    this.counters.queries++;
    this.counters.cacheHits++;
    // This query's id, RD and CD, and its question (the case of its name) copied in.
    const out = Buffer.allocUnsafe(hit.length);
    out.set(hit);
    out[0] = bytes[0] as number;
    out[1] = bytes[1] as number;
    out[2] = ((out[2] as number) & ~0x01) | ((bytes[2] as number) & 0x01);
    out[3] = ((out[3] as number) & ~0x10) | ((bytes[3] as number) & 0x10);
    out.set(bytes.subarray(12, 12 + key.length - KEY_PREFIX), 12);
    return out;
  }

  async handleFully(bytes: Uint8Array, transport: Transport, remote: string): Promise<Uint8Array[]> {
    let query: DecodedMessage;
    try {
      query = decodeMessage(bytes);
    } catch (err) {
      return this.formerr(bytes, err as Error);
    }
    if (query.flags.qr) return []; // never answer a response
    if (this.delegate && !this.isPlainQuery(query)) return this.delegate(bytes, transport, remote);
    const tsig = query.tsigOffset !== undefined ? this.verify(bytes, query, remote) : undefined;
    if (tsig && 'reply' in tsig) return [tsig.reply];
    const signed = tsig as Signed | undefined;
    switch (query.flags.opcode) {
      case OPCODE.QUERY: {
        const q = query.questions[0];
        if (q && query.questions.length === 1 && (q.type === TYPE.AXFR || q.type === TYPE.IXFR)) {
          return this.transfer(query, transport, signed, remote);
        }
        return [this.query(query, bytes, transport, signed)];
      }
      case OPCODE.UPDATE:
        return [await this.update(query, signed, remote)];
      case OPCODE.NOTIFY:
        // We are the primary: nobody notifies us (nsd answers REFUSED likewise).
        return [this.finish(responseTo(query, RCODE.REFUSED), transport, query, signed)];
      default:
        return [this.finish(responseTo(query, RCODE.NOTIMP), transport, query, signed)];
    }
  }

  /** An unsigned standard query for anything but a zone transfer: what any copy of the zones answers. */
  private isPlainQuery(query: DecodedMessage): boolean {
    if (query.flags.opcode !== OPCODE.QUERY || query.tsigOffset !== undefined) return false;
    const type = query.questions[0]?.type;
    return type !== TYPE.AXFR && type !== TYPE.IXFR;
  }

  private query(query: DecodedMessage, bytes: Uint8Array, transport: Transport, signed?: Signed): Uint8Array {
    this.counters.queries++;
    const res = answerQuery(this.zones.catalog, query);
    if (res.rcode === RCODE.REFUSED) this.counters.refused++;
    const out = this.finish(res, transport, query, signed);
    if (!signed && query.additional.length === 0 && res.rcode !== RCODE.FORMERR) {
      const key = cacheKey(bytes, transport);
      if (key !== undefined && this.cache.size < CACHE_MAX) this.cache.set(key, out);
    }
    return out;
  }

  private formerr(bytes: Uint8Array, err: Error): Uint8Array[] {
    this.counters.formerr++;
    if (!(err instanceof DnsFormatError) || err.id === undefined) return [];
    if (bytes.length >= 3 && ((bytes[2] as number) & 0x80) !== 0) return []; // a response
    // Header only: the id, the opcode, RD, and FORMERR (RFC 1035 §4.1.1).
    const out = new Uint8Array(12);
    out[0] = bytes[0] as number;
    out[1] = bytes[1] as number;
    out[2] = 0x80 | ((bytes[2] as number) & 0x79);
    out[3] = RCODE.FORMERR;
    return [out];
  }

  private verify(bytes: Uint8Array, query: DecodedMessage, remote: string): Signed | { reply: Uint8Array } {
    const policy: KeyPolicy = this.zones.policy;
    const v = verifyMessage(bytes, {
      keys: (name, alg) => policy.lookup(name, alg),
      now: this.now(),
      message: query,
    });
    if (v.ok) return { key: v.key, mac: v.mac };
    this.counters.tsigFailures++;
    this.log('tsig-failed', { remote, error: v.error, opcode: query.flags.opcode });
    const refusal = encodeMessage(responseTo(query, RCODE.NOTAUTH), { maxSize: 512 });
    return { reply: signedErrorResponse(refusal, v, { now: this.now() }) };
  }

  /** Encodes a response: truncated to the query's UDP limit, signed when the query was. */
  private finish(res: Message, transport: Transport, query: Message, signed?: Signed): Uint8Array {
    const maxSize = transport === 'udp' ? udpLimit(query) : 65535;
    if (!signed) return encodeMessage(res, { maxSize });
    const wire = encodeMessage(res, { maxSize: maxSize - tsigRecordSize(signed.key) });
    return signMessage(wire, signed.key, { time: this.now(), requestMac: signed.mac }).wire;
  }

  /** AXFR (and IXFR, answered with the whole zone, RFC 1995 §4) over TCP with a TSIG key allowed to transfer. */
  private transfer(
    query: DecodedMessage,
    transport: Transport,
    signed: Signed | undefined,
    remote: string,
  ): Uint8Array[] {
    const q = query.questions[0];
    const zone = q ? this.zones.catalog.get(q.name) : undefined;
    const refuse = (why: string, rcode: number = RCODE.REFUSED) => {
      this.log('transfer-refused', { remote, zone: q?.name, reason: why });
      return [this.finish(responseTo(query, rcode), transport, query, signed)];
    };
    const ixfr = q?.type === TYPE.IXFR;
    if (transport !== 'tcp' && !ixfr) return refuse('zone transfers go over TCP', RCODE.NOTIMP);
    if (!zone) return refuse('not a zone of ours', RCODE.NOTAUTH);
    if (!signed) return refuse('zone transfers need a TSIG key');
    if (!this.zones.policy.mayTransfer(signed.key, zone.origin))
      return refuse(`key ${signed.key.name} may not transfer`);
    if (ixfr) {
      // We keep no history: a client that is current, or asks over UDP, gets our SOA alone
      // (RFC 1995 §2, §4); one that is behind gets the whole zone over TCP.
      const theirs = query.authority.find((rr) => rr.type === TYPE.SOA)?.data as SoaData | undefined;
      if (transport === 'udp' || (theirs && !serialGreater(zone.serial, theirs.serial))) {
        const res = responseTo(query);
        res.flags.aa = true;
        res.answers = [zone.soa];
        return [this.finish(res, transport, query, signed)];
      }
    }
    this.counters.transfers++;
    const records = [...zone.records(), zone.soa];
    const out: Uint8Array[] = [];
    let mac = signed.mac;
    for (let i = 0; i < records.length; i += AXFR_BATCH) {
      const res = responseTo(query);
      res.flags.aa = true;
      if (i > 0) res.questions = []; // RFC 5936 §2.2: the question only in the first message
      res.answers = records.slice(i, i + AXFR_BATCH);
      const wire = encodeMessage(res);
      const s = signMessage(wire, signed.key, {
        time: this.now(),
        ...(i === 0 ? { requestMac: mac } : { previousMac: mac }),
      });
      mac = s.mac;
      out.push(s.wire);
    }
    this.log('transfer', {
      remote,
      zone: zone.origin,
      serial: zone.serial,
      records: records.length,
      key: signed.key.name,
    });
    return out;
  }

  private update(query: DecodedMessage, signed: Signed | undefined, remote: string): Promise<Uint8Array> {
    const seenKey = signed ? `${signed.key.name} ${Buffer.from(signed.mac).toString('base64')}` : undefined;
    const remembered = async (): Promise<Uint8Array> => {
      const now = this.now();
      for (const [k, v] of this.updatesSeen) {
        if (v.until > now && this.updatesSeen.size <= UPDATES_SEEN_MAX) break; // oldest first
        this.updatesSeen.delete(k);
      }
      const seen = seenKey === undefined ? undefined : this.updatesSeen.get(seenKey);
      if (seen) {
        this.counters.updatesRepeated++;
        this.log('update-repeated', { remote, zone: query.questions[0]?.name, key: signed?.key.name });
        return seen.reply;
      }
      const reply = await run();
      // A zone that could not be written is worth another try.
      const failed = ((reply[3] as number) & 0x0f) === RCODE.SERVFAIL;
      if (seenKey !== undefined && !failed)
        this.updatesSeen.set(seenKey, { reply, until: now + UPDATE_MEMORY_S });
      return reply;
    };
    const run = async (): Promise<Uint8Array> => {
      const reply = (rcode: number, reason?: string) => {
        if (rcode !== RCODE.NOERROR) {
          this.counters.updatesRefused++;
          this.log('update-refused', {
            remote,
            zone: query.questions[0]?.name,
            rcode: rcodeName(rcode),
            reason,
          });
        }
        return this.finish(responseTo(query, rcode), 'tcp', query, signed);
      };
      const zq = query.questions[0];
      if (!signed) return reply(RCODE.REFUSED, 'an update needs a TSIG signature');
      const zone: Zone | undefined = zq ? this.zones.catalog.get(zq.name) : undefined;
      if (!zone) return reply(RCODE.NOTAUTH, 'not a zone of ours');
      const outcome = applyUpdate(zone, query, (name) => this.zones.policy.mayUpdate(signed.key, name));
      if (!outcome.ok) return reply(outcome.rcode, outcome.reason);
      if (outcome.changes.length === 0) return reply(RCODE.NOERROR);
      const summary = outcome.changes.map((c) => `${c.op === 'add' ? '+' : '-'} ${formatRR(c.rr)}`);
      const message = `update ${zone.origin} serial ${outcome.zone.serial} by ${signed.key.name}\n\n${summary.join('\n')}\n`;
      try {
        await this.zones.commitZone(outcome.zone, message);
      } catch (err) {
        this.log('update-failed', { remote, zone: zone.origin, error: (err as Error).message });
        return reply(RCODE.SERVFAIL, 'could not write the zone');
      }
      this.counters.updates++;
      this.log('update', {
        remote,
        zone: zone.origin,
        serial: outcome.zone.serial,
        key: signed.key.name,
        changes: outcome.changes.map((c) => `${c.op} ${c.rr.name} ${typeName(c.rr.type)}`),
      });
      return reply(RCODE.NOERROR);
    };
    const next = this.updates.then(remembered, remembered);
    this.updates = next.catch(() => undefined);
    return next;
  }
}
