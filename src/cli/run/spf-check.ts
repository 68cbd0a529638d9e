// `poste spf check`: the SPF verdict for a client address and a sender, as the receiver would
// reach it at MAIL FROM. Prints the result word first and then why (or JSON), and exits with
// the verdict: 0 pass, 1 any other result, 75 temperror.
import { hostname } from 'node:os';
import { parseIP } from '../../dns/index.js';
import {
  authResultsClause,
  checkSpf,
  receivedSpf,
  type SpfIdentity,
  type SpfRequest,
  type SpfResult,
} from '../../spf/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeStdout } from '../io.js';
import { chooseResolver } from '../resolver-choice.js';

export interface SpfFlags {
  ip?: string | undefined;
  sender?: string | undefined;
  helo?: string | undefined;
  identity?: string | undefined;
  receiver?: string | undefined;
  dns?: string | undefined;
  zone?: string | undefined;
}

export interface SpfCheckInput {
  flags: SpfFlags & { json?: boolean | undefined };
}

/** RFC 7208 §4.6.4: a check SHOULD be given at least 20 s; after that it is a temperror. */
const TIME_LIMIT_MS = 20_000;

/** Runs the check the flags describe (shared with `spf stamp`). */
export async function checkFromFlags(flags: SpfFlags): Promise<SpfResult> {
  const ip = flags.ip ?? '';
  if (!parseIP(ip)) throw new CliError(EXIT.usage, `--ip: not an IPv4 or IPv6 address: "${ip}"`);
  const sender = flags.sender ?? '';
  const identity = (flags.identity ?? 'mailfrom') as SpfIdentity;
  if ((sender === '' || identity === 'helo') && !flags.helo)
    throw new CliError(EXIT.usage, '--helo is needed to check the HELO identity (or an empty --sender)');
  const request: SpfRequest = { ip, sender, helo: flags.helo, identity };
  const { resolver } = await chooseResolver(flags);
  return checkSpf(request, {
    resolver,
    receiver: flags.receiver ?? hostname(),
    now: Math.floor(Date.now() / 1000),
    signal: AbortSignal.timeout(TIME_LIMIT_MS),
  });
}

/** `softfail example.org: ~all matched`, and the domain's explanation of a fail. */
export function formatResult(r: SpfResult): string {
  const why = r.explanation === undefined ? '' : ` (explanation: ${JSON.stringify(r.explanation)})`;
  return `${r.result} ${r.reason}${why}`;
}

export async function runSpfCheck({ flags }: SpfCheckInput): Promise<void> {
  const r = await checkFromFlags(flags);
  if (flags.json) {
    const json = { ...r, receivedSpf: receivedSpf(r), authResults: authResultsClause(r) };
    await writeStdout(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    await writeStdout(`${formatResult(r)}\n`);
  }
  if (r.result !== 'pass') process.exitCode = r.result === 'temperror' ? EXIT.tempFail : EXIT.verdict;
}
