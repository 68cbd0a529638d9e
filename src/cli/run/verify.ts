// `poste verify`: the receiver's judgement as a pipe (src/judge, shared with the receiver
// service). One streaming pass feeds the DKIM and ARC verifiers and finds the From addresses
// while the message is kept in a Spool; SPF runs meanwhile from the envelope flags; DMARC
// then combines them. Out goes the message with one Authentication-Results field on top
// (spf, dkim, dmarc, arc) and without any field that claims our authserv-id (RFC 8601 §5:
// forged), or, with --json, the verdicts.
// Exit 0 when DMARC passes or the domain has no policy, 1 on fail (or a permerror),
// 75 on temperror.
import { hostname } from 'node:os';
import { parseIP } from '../../dns/index.js';
import { createJudge } from '../../judge/index.js';
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

  const judge = createJudge({ ip: flags.ip, helo: flags.helo, sender, resolver, authservId, now });
  const spool = new Spool();
  try {
    for await (const raw of stdinChunks()) for (const out of judge.push(raw)) await spool.write(out);
    const { tail, judgement } = await judge.end();
    for (const out of tail) await spool.write(out);
    const { spf, dkim, dmarc, arc } = judgement;
    if (flags.json) {
      await writeStdout(
        `${JSON.stringify({ authservId, spf, dkim, dmarc, arc, removed: judgement.removed }, null, 2)}\n`,
      );
    } else {
      await writeStdoutChunk(judgement.field);
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
