// `poste dkim verify`: checks every DKIM-Signature of the email on stdin, streamed; one
// line per signature (or JSON, or Authentication-Results entries). Exit 0 when there is at
// least one signature and all pass, 75 when a key lookup failed temporarily, else 1.
import {
  createCrlfNormalizer,
  createVerifier,
  type DkimResult,
  formatAuthResultsList,
} from '../../dkim/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { stdinChunks, writeStdout } from '../io.js';
import { chooseResolver } from '../resolver-choice.js';

export interface DkimVerifyInput {
  flags: {
    dns?: string | undefined;
    zone?: string | undefined;
    json?: boolean | undefined;
    'auth-results'?: boolean | undefined;
    time?: string | undefined;
  };
}

/** `pass d=example.org s=s1 a=rsa-sha256 c=relaxed/relaxed b=AbCdEfGh`, then what is worth knowing. */
export function formatResultLine(r: DkimResult): string {
  const bits: string[] = [r.result];
  if (r.domain !== undefined) bits.push(`d=${r.domain}`);
  if (r.selector !== undefined) bits.push(`s=${r.selector}`);
  if (r.algorithm !== undefined) bits.push(`a=${r.algorithm}`);
  if (r.canonicalization !== undefined) bits.push(`c=${r.canonicalization}`);
  if (r.identity !== undefined) bits.push(`i=${r.identity}`);
  if (r.signature) bits.push(`b=${r.signature.slice(0, 8)}`);
  if (r.testing) bits.push('testing');
  if (r.bodyLengthUnsigned !== undefined && r.bodyLengthUnsigned > 0)
    bits.push(`unsigned=${r.bodyLengthUnsigned}`);
  if (r.result !== 'pass') bits.push(`reason=${JSON.stringify(r.reason)}`);
  return bits.join(' ');
}

export async function runDkimVerify({ flags }: DkimVerifyInput): Promise<void> {
  if (flags.time !== undefined && !/^[0-9]{1,12}$/.test(flags.time))
    throw new CliError(EXIT.usage, `--time must be seconds since the epoch: ${flags.time}`);
  const { resolver } = await chooseResolver(flags);
  const verifier = createVerifier(
    flags.time === undefined ? { resolver } : { resolver, now: Number(flags.time) },
  );
  const crlf = createCrlfNormalizer();
  for await (const chunk of stdinChunks()) verifier.push(crlf.transform(chunk));
  const results = await verifier.end();
  if (flags.json) await writeStdout(`${JSON.stringify(results, null, 2)}\n`);
  else if (flags['auth-results']) await writeStdout(`${formatAuthResultsList(results).join(';\n')}\n`);
  else await writeStdout(results.length === 0 ? 'none\n' : `${results.map(formatResultLine).join('\n')}\n`);
  if (results.length > 0 && results.every((r) => r.result === 'pass')) return;
  if (results.some((r) => r.result === 'temperror')) {
    process.exitCode = EXIT.tempFail;
    return;
  }
  process.exitCode = EXIT.verdict;
}
