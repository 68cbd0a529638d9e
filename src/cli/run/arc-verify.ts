// `poste arc verify`: validates the ARC chain of the email on stdin, streamed (RFC 8617
// §5.2); one line (or JSON, or an Authentication-Results entry). Exit 0 when cv=pass or the
// message has no chain (none is no failure: most mail carries none), 1 on fail, 75 when a
// key lookup failed temporarily.
import { type ArcResult, createArcVerifier, formatArcAuthResults } from '../../arc/index.js';
import { createCrlfNormalizer } from '../../dkim/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { stdinChunks, writeStdout } from '../io.js';
import { chooseResolver } from '../resolver-choice.js';

export interface ArcVerifyInput {
  flags: {
    dns?: string | undefined;
    zone?: string | undefined;
    json?: boolean | undefined;
    'auth-results'?: boolean | undefined;
    time?: string | undefined;
  };
}

/** `pass i=2 oldest-pass=0`, then one line per set: `  i=1 lists.example.org ams=pass as=pass`. */
export function formatArcLines(r: ArcResult): string {
  const head: string[] = [r.cv];
  if (r.instances > 0) head.push(`i=${r.instances}`);
  if (r.cv === 'pass') head.push(`oldest-pass=${r.oldestPass ?? 0}`);
  if (r.cv === 'fail') head.push(`reason=${JSON.stringify(r.reason)}`);
  const lines = [head.join(' ')];
  for (const s of r.sets) {
    const bits = [`  i=${s.instance}`];
    if (s.authservId !== undefined) bits.push(s.authservId);
    if (s.cv !== undefined) bits.push(`cv=${s.cv}`);
    bits.push(`ams=${s.ams.result}`);
    if (s.ams.domain !== undefined) bits.push(`ams.d=${s.ams.domain}`, `ams.s=${s.ams.selector}`);
    bits.push(`as=${s.seal.result}`);
    if (s.seal.domain !== undefined) bits.push(`as.d=${s.seal.domain}`, `as.s=${s.seal.selector}`);
    lines.push(bits.join(' '));
  }
  return `${lines.join('\n')}\n`;
}

export async function runArcVerify({ flags }: ArcVerifyInput): Promise<void> {
  if (flags.time !== undefined && !/^[0-9]{1,12}$/.test(flags.time))
    throw new CliError(EXIT.usage, `--time must be seconds since the epoch: ${flags.time}`);
  const { resolver } = await chooseResolver(flags);
  const verifier = createArcVerifier(
    flags.time === undefined ? { resolver } : { resolver, now: Number(flags.time) },
  );
  const crlf = createCrlfNormalizer();
  for await (const chunk of stdinChunks()) verifier.push(crlf.transform(chunk));
  const r = await verifier.end();
  if (flags.json) await writeStdout(`${JSON.stringify(r, null, 2)}\n`);
  else if (flags['auth-results']) await writeStdout(`${formatArcAuthResults(r)}\n`);
  else await writeStdout(formatArcLines(r));
  if (r.cv !== 'fail') return;
  process.exitCode = r.temperror ? EXIT.tempFail : EXIT.verdict;
}
