// `poste arc sign`: email in, email out with a new ARC set on top (RFC 8617 §5.1), made
// from the Authentication-Results fields of our authserv-id the message carries. The set
// depends on the whole message, so the message is kept in a Spool (memory, then a
// temporary file) while it is hashed. A chain that already failed is passed on unsealed.
import { ArcError, type ArcSealer, createArcSealer } from '../../arc/index.js';
import { createCrlfNormalizer, DkimError, loadSigningKey, type SigningKey } from '../../dkim/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { readInputFile, stdinChunks, writeStdout } from '../io.js';
import { Spool, writeStdoutChunk } from '../spool.js';

export interface ArcSignInput {
  flags: {
    domain: string;
    selector: string;
    key: string;
    'authserv-id': string;
    headers?: string | undefined;
    time?: string | undefined;
  };
}

export async function runArcSign({ flags }: ArcSignInput): Promise<void> {
  if (flags.time !== undefined && !/^[0-9]{1,12}$/.test(flags.time))
    throw new CliError(EXIT.usage, `--time must be seconds since the epoch: ${flags.time}`);
  let key: SigningKey;
  try {
    key = loadSigningKey(await readInputFile(flags.key));
  } catch (e) {
    if (e instanceof DkimError) throw new CliError(EXIT.dataErr, `${flags.key}: ${e.message}`);
    throw e;
  }
  const headers = flags.headers
    ?.split(/[:,\s]+/)
    .map((h) => h.trim())
    .filter((h) => h !== '');
  let sealer: ArcSealer;
  try {
    sealer = createArcSealer({
      domain: flags.domain,
      selector: flags.selector,
      key,
      authservId: flags['authserv-id'],
      ...(headers ? { headers } : {}),
      ...(flags.time !== undefined ? { now: Number(flags.time) } : {}),
    });
  } catch (e) {
    if (e instanceof ArcError) throw new CliError(EXIT.usage, e.message);
    throw e;
  }
  const spool = new Spool();
  const crlf = createCrlfNormalizer();
  try {
    for await (const raw of stdinChunks()) {
      const chunk = crlf.transform(raw);
      sealer.push(chunk);
      await spool.write(chunk);
    }
    const r = sealer.end();
    if (!r.sealed) {
      // A failed chain is passed on as it is (RFC 8617 §5.1 step 1); the rest is our mistake.
      if (r.code !== 'chain-failed') throw new CliError(EXIT.dataErr, `not sealed: ${r.reason}`);
      process.stderr.write(`poste arc sign: not sealed: ${r.reason}\n`);
    } else await writeStdoutChunk(r.fields);
    await spool.replay(writeStdoutChunk);
    await writeStdout(new Uint8Array(0));
  } finally {
    await spool.dispose();
  }
}
