// The receiver's judgement of one message, shared by `poste verify` and the receiver
// service: one streaming pass feeds the DKIM and ARC verifiers and the header reader (for
// the From domains) and drops every Authentication-Results field claiming our authserv-id
// (RFC 8601 §5: forged); SPF runs meanwhile from the envelope, or comes from the caller
// (a receiver checks it at MAIL FROM); DMARC then combines them. The outcome is the typed
// results and the one Authentication-Results field to put on top (spf, dkim, dmarc, arc).
// Pure over a Resolver: the caller keeps the bytes `push` returns where it likes.
import { type ArcResult, createArcVerifier, formatArcAuthResults } from '../arc/index.js';
import { createAuthResFilter, formatAuthResultsField } from '../authres/index.js';
import {
  createCrlfNormalizer,
  createVerifier,
  type DkimResult,
  formatAuthResultsList,
} from '../dkim/index.js';
import { type DmarcResult, domainOfAddress, evaluateDmarc, formatAuthResults } from '../dmarc/index.js';
import type { Resolver } from '../dns/index.js';
import { createParser, type Header, mailboxes, parseAddressList } from '../mime/index.js';
import { authResultsClause, checkSpf, type SpfResult } from '../spf/index.js';

/** RFC 7208 §4.6.4: at least 20 s for SPF; past it a temperror. */
export const SPF_TIME_LIMIT_MS = 20_000;

export interface SpfCheckOptions {
  /** The client's address (IPv4, IPv6, or IPv4-mapped IPv6). */
  ip: string;
  /** The HELO/EHLO name. */
  helo?: string | undefined;
  /** The MAIL FROM address, "" for the null reverse-path. */
  sender: string;
  resolver: Resolver;
  /** Our name in Received-SPF and as the receiver of macros (%{r}). */
  authservId: string;
  /** Seconds since the epoch (default: the clock). */
  now?: number | undefined;
  /** Default SPF_TIME_LIMIT_MS. */
  spfTimeoutMs?: number | undefined;
}

/** SPF for the envelope, as a receiver checks it at MAIL FROM. */
export function judgeSpf(o: SpfCheckOptions): Promise<SpfResult> {
  return checkSpf(
    { ip: o.ip, sender: o.sender, helo: o.helo },
    {
      resolver: o.resolver,
      receiver: o.authservId,
      now: o.now ?? Math.floor(Date.now() / 1000),
      signal: AbortSignal.timeout(o.spfTimeoutMs ?? SPF_TIME_LIMIT_MS),
    },
  );
}

export interface JudgeOptions extends SpfCheckOptions {
  /** An SPF result already known (or being computed); else SPF is checked here. */
  spf?: SpfResult | Promise<SpfResult> | undefined;
}

export interface Judgement {
  authservId: string;
  spf: SpfResult;
  dkim: DkimResult[];
  dmarc: DmarcResult;
  arc: ArcResult;
  /** The method entries of the field, in order (spf, dkim…, dmarc…, arc). */
  entries: string[];
  /** `Authentication-Results: …` CRLF, folded: to put on top of the message. */
  field: Uint8Array;
  /** Forged Authentication-Results fields removed. */
  removed: number;
}

export interface Judge {
  /**
   * Feeds the next bytes of the message; returns the bytes to keep (the message with line
   * ends made CRLF and our authserv-id's fields removed), views valid until the next push.
   * Throws AuthResError or DkimError when the header is beyond the limits.
   */
  push(chunk: Uint8Array): Uint8Array[];
  /** The end of the message: the last bytes to keep, and the verdicts. */
  end(): Promise<{ tail: Uint8Array[]; judgement: Judgement }>;
}

/** The From addresses' domains, from the top-level header. */
function fromDomains(header: Header | undefined): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const value of header.getAll('from'))
    for (const m of mailboxes(parseAddressList(value).items))
      if (m.address) out.push(domainOfAddress(m.address));
  return out;
}

export function createJudge(o: JudgeOptions): Judge {
  const now = o.now ?? Math.floor(Date.now() / 1000);
  // Started now, so that its queries overlap the transfer.
  const spf: Promise<SpfResult> = Promise.resolve(o.spf ?? judgeSpf({ ...o, now }));
  // An unhandled rejection must not escape before end() awaits it.
  spf.catch(() => {});
  const dkim = createVerifier({ resolver: o.resolver, now });
  const arc = createArcVerifier({ resolver: o.resolver, now });
  const filter = createAuthResFilter(o.authservId);
  const crlf = createCrlfNormalizer();
  let header: Header | undefined;
  const headerParser = createParser({
    partStart(info) {
      header ??= info.header;
    },
  });
  return {
    push(raw) {
      const chunk = crlf.transform(raw);
      dkim.push(chunk);
      arc.push(chunk);
      if (!header) headerParser.push(chunk);
      return filter.push(chunk);
    },
    async end() {
      if (!header) headerParser.end();
      const tail = filter.end();
      const [spfResult, dkimResults, arcResult] = await Promise.all([spf, dkim.end(), arc.end()]);
      const dmarc = await evaluateDmarc(
        {
          fromDomains: fromDomains(header),
          spf: { result: spfResult.result, domain: spfResult.domain },
          dkim: dkimResults,
        },
        { resolver: o.resolver },
      );
      const entries = [
        authResultsClause(spfResult),
        ...formatAuthResultsList(dkimResults),
        ...formatAuthResults(dmarc),
        formatArcAuthResults(arcResult, { remoteIp: o.ip }),
      ];
      return {
        tail,
        judgement: {
          authservId: o.authservId,
          spf: spfResult,
          dkim: dkimResults,
          dmarc,
          arc: arcResult,
          entries,
          field: formatAuthResultsField(o.authservId, entries),
          removed: filter.countRemoved,
        },
      };
    },
  };
}

/**
 * Judges a whole message (bytes or a stream of chunks): the verdicts, and in `rest` the
 * message as it should go on after our field (and whatever the caller adds): CRLF line ends,
 * the forged Authentication-Results gone.
 */
export async function judgeMessage(
  message: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  o: JudgeOptions,
): Promise<Judgement & { rest: Buffer }> {
  const judge = createJudge(o);
  const kept: Uint8Array[] = [];
  const take = (chunk: Uint8Array) => {
    // Copies: the views are only valid until the next push.
    for (const out of judge.push(chunk)) kept.push(Buffer.from(out));
  };
  if (message instanceof Uint8Array) take(message);
  else for await (const chunk of message) take(chunk);
  const { tail, judgement } = await judge.end();
  return { ...judgement, rest: Buffer.concat([...kept, ...tail]) };
}
