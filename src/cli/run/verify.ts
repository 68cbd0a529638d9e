// `poste verify`: the receiver's judgement as a pipe. One streaming pass feeds the DKIM and
// ARC verifiers and finds the From addresses while the message is kept in a Spool; SPF runs
// meanwhile from the envelope flags; DMARC then combines them. Out goes the message with one
// Authentication-Results field on top (spf, dkim, dmarc, arc) and without any field that
// claims our authserv-id (RFC 8601 §5: forged), or, with --json, the verdicts.
// Exit 0 when DMARC passes or the domain has no policy, 1 on fail (or a permerror),
// 75 on temperror.
import { hostname } from 'node:os';
import { createArcVerifier, formatArcAuthResults } from '../../arc/index.js';
import { createAuthResFilter, formatAuthResultsField } from '../../authres/index.js';
import { createCrlfNormalizer, createVerifier, formatAuthResultsList } from '../../dkim/index.js';
import { type DmarcResult, domainOfAddress, evaluateDmarc, formatAuthResults } from '../../dmarc/index.js';
import { parseIP } from '../../dns/index.js';
import { createParser, type Header, mailboxes, parseAddressList } from '../../mime/index.js';
import { authResultsClause, checkSpf, type SpfResult } from '../../spf/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { stdinChunks, writeStdout } from '../io.js';
import { chooseResolver } from '../resolver-choice.js';
import { Spool, writeStdoutChunk } from '../spool.js';

export interface VerifyInput {
  flags: {
    ip: string;
    helo?: string | undefined;
    sender?: string | undefined;
    'authserv-id'?: string | undefined;
    dns?: string | undefined;
    zone?: string | undefined;
    json?: boolean | undefined;
    time?: string | undefined;
  };
}

/** RFC 7208 §4.6.4: at least 20 s for SPF; past it a temperror. */
const SPF_TIME_LIMIT_MS = 20_000;

/** The From addresses' domains, from the top-level header. */
function fromDomains(header: Header | undefined): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const value of header.getAll('from'))
    for (const m of mailboxes(parseAddressList(value).items))
      if (m.address) out.push(domainOfAddress(m.address));
  return out;
}

export async function runVerify({ flags }: VerifyInput): Promise<void> {
  if (!parseIP(flags.ip)) throw new CliError(EXIT.usage, `--ip: not an IPv4 or IPv6 address: "${flags.ip}"`);
  const sender = flags.sender ?? '';
  if (sender === '' && !flags.helo)
    throw new CliError(EXIT.usage, '--helo is needed when --sender is empty (the null reverse-path)');
  if (flags.time !== undefined && !/^[0-9]{1,12}$/.test(flags.time))
    throw new CliError(EXIT.usage, `--time must be seconds since the epoch: ${flags.time}`);
  const authservId = flags['authserv-id'] ?? hostname();
  if (!/^[\x21-\x7e]+$/.test(authservId) || /[;()"\\]/.test(authservId))
    throw new CliError(EXIT.usage, `--authserv-id must be a token (a host name): "${authservId}"`);
  const now = flags.time === undefined ? Math.floor(Date.now() / 1000) : Number(flags.time);
  const { resolver } = await chooseResolver(flags, { wholeWorld: true });

  const spf: Promise<SpfResult> = checkSpf(
    { ip: flags.ip, sender, helo: flags.helo },
    { resolver, receiver: authservId, now, signal: AbortSignal.timeout(SPF_TIME_LIMIT_MS) },
  );
  const dkim = createVerifier({ resolver, now });
  const arc = createArcVerifier({ resolver, now });
  const filter = createAuthResFilter(authservId);
  const crlf = createCrlfNormalizer();
  const spool = new Spool();
  let header: Header | undefined;
  const headerParser = createParser({
    partStart(info) {
      header ??= info.header;
    },
  });
  try {
    for await (const raw of stdinChunks()) {
      const chunk = crlf.transform(raw);
      dkim.push(chunk);
      arc.push(chunk);
      if (!header) headerParser.push(chunk);
      for (const out of filter.push(chunk)) await spool.write(out);
    }
    if (!header) headerParser.end();
    for (const out of filter.end()) await spool.write(out);
    const [spfResult, dkimResults, arcResult] = await Promise.all([spf, dkim.end(), arc.end()]);
    const dmarc: DmarcResult = await evaluateDmarc(
      {
        fromDomains: fromDomains(header),
        spf: { result: spfResult.result, domain: spfResult.domain },
        dkim: dkimResults,
      },
      { resolver },
    );
    if (flags.json) {
      await writeStdout(
        `${JSON.stringify({ authservId, spf: spfResult, dkim: dkimResults, dmarc, arc: arcResult, removed: filter.countRemoved }, null, 2)}\n`,
      );
    } else {
      const entries = [
        authResultsClause(spfResult),
        ...formatAuthResultsList(dkimResults),
        ...formatAuthResults(dmarc),
        formatArcAuthResults(arcResult, { remoteIp: flags.ip }),
      ];
      await writeStdoutChunk(formatAuthResultsField(authservId, entries));
      await spool.replay(writeStdoutChunk);
      await writeStdout(new Uint8Array(0));
    }
    if (dmarc.result === 'temperror') process.exitCode = EXIT.tempFail;
    else if (dmarc.result === 'fail' || dmarc.result === 'permerror') process.exitCode = EXIT.verdict;
  } catch (e) {
    if ((e as { name?: string }).name === 'AuthResError' || (e as { name?: string }).name === 'DkimError')
      throw new CliError(EXIT.dataErr, (e as Error).message);
    throw e;
  } finally {
    await spool.dispose();
  }
}
