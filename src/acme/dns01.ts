// DNS-01 (RFC 8555 §8.4) on our own primary: the TXT record at _acme-challenge.<name> holds
// base64url(SHA-256(key authorization)), placed and removed with TSIG-signed DNS UPDATEs
// (RFC 2136, RFC 8945). No web server, as MirageOS's Let's Encrypt unikernel does it.
import { createHash, type KeyObject } from 'node:crypto';
import {
  CLASS,
  encodeMessage,
  exchange,
  exchangeWire,
  keyring,
  type Message,
  makeQuery,
  makeRR,
  NO_FLAGS,
  normalizeName,
  OPCODE,
  RCODE,
  type RR,
  rcodeName,
  type ServerAddress,
  signMessage,
  type TsigKey,
  TYPE,
  txtData,
  verifyMessage,
} from '../dns/index.js';
import { thumbprint } from './jws.js';

/** The name the CA looks up for an identifier (a wildcard's challenge is at its base name). */
export function challengeName(identifier: string): string {
  return normalizeName(`_acme-challenge.${identifier.replace(/^\*\./, '')}.`);
}

/** The TXT value for a challenge token (§8.1 key authorization, §8.4 digest). */
export function challengeValue(token: string, accountKey: KeyObject): string {
  const keyAuthorization = `${token}.${thumbprint(accountKey)}`;
  return createHash('sha256').update(keyAuthorization).digest('base64url');
}

/** Places and removes challenge records; the primary is one implementation, tests have others. */
export interface ChallengePublisher {
  add(name: string, value: string): Promise<void>;
  remove(name: string, value: string): Promise<void>;
}

export class DnsUpdateError extends Error {
  override name = 'DnsUpdateError';
}

export interface TsigUpdaterOptions {
  server: ServerAddress;
  key: TsigKey;
  /** TTL of the challenge records: short, they live for minutes. */
  ttl?: number;
  timeoutMs?: number;
}

/** Publishes challenges with TSIG-signed UPDATEs to a primary, over TCP. */
export function tsigUpdater(opts: TsigUpdaterOptions): ChallengePublisher {
  const ttl = opts.ttl ?? 60;
  const send = async (name: string, rr: RR, what: string): Promise<void> => {
    const zone = await zoneOf(opts, name);
    const msg: Message = {
      id: Math.floor(Math.random() * 0x10000),
      flags: { ...NO_FLAGS, opcode: OPCODE.UPDATE },
      rcode: RCODE.NOERROR,
      questions: [{ name: zone, type: TYPE.SOA, class: CLASS.IN }],
      answers: [],
      authority: [rr],
      additional: [],
    };
    const signed = signMessage(encodeMessage(msg), opts.key);
    const { reply, wire } = await exchangeWire(opts.server, signed.wire, {
      tcp: true,
      timeoutMs: opts.timeoutMs ?? 5000,
    }).catch((err: Error) => {
      throw new DnsUpdateError(`cannot ${what}: ${err.message}`);
    });
    if (reply.rcode !== RCODE.NOERROR) {
      throw new DnsUpdateError(`the primary refused to ${what}: ${rcodeName(reply.rcode)}`);
    }
    // A NOERROR we cannot authenticate is not an answer from our primary.
    const check = verifyMessage(wire, {
      keys: keyring([opts.key]),
      requestMac: signed.mac,
      message: reply,
    });
    if (!check.ok) throw new DnsUpdateError(`the answer to "${what}" is not signed by ${opts.key.name}`);
  };
  return {
    add: (name, value) => send(name, makeRR(name, TYPE.TXT, ttl, txtData(value)), `add TXT ${name}`),
    remove: (name, value) =>
      send(name, { ...makeRR(name, TYPE.TXT, 0, txtData(value)), class: CLASS.NONE }, `remove TXT ${name}`),
  };
}

/** The zone holding a name, as the primary sees it: the owner of the SOA it answers with. */
async function zoneOf(opts: TsigUpdaterOptions, name: string): Promise<string> {
  const reply = await exchange(opts.server, makeQuery(name, TYPE.SOA, 1232), {
    timeoutMs: opts.timeoutMs ?? 5000,
  }).catch((err: Error) => {
    throw new DnsUpdateError(
      `cannot reach the primary ${opts.server.host}:${opts.server.port}: ${err.message}`,
    );
  });
  const soa = [...reply.answers, ...reply.authority].find((rr) => rr.type === TYPE.SOA);
  if (!soa) throw new DnsUpdateError(`the primary holds no zone for ${name} (${rcodeName(reply.rcode)})`);
  return soa.name;
}
