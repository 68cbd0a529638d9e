// `poste dkim keygen`: a new signing key, written to --out (mode 0600), and its DNS record
// printed in zone-file syntax, ready for the zone of --domain.
import { chmod, open } from 'node:fs/promises';
import { generateKey, isDomainName, type KeygenAlgorithm, zoneTxtRecord } from '../../dkim/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeStdout } from '../io.js';

export interface DkimKeygenInput {
  flags: {
    algorithm?: string | undefined;
    selector: string;
    domain: string;
    out: string;
    force?: boolean | undefined;
  };
}

export async function runDkimKeygen({ flags }: DkimKeygenInput): Promise<void> {
  if (!isDomainName(flags.domain.replace(/\.$/, '')))
    throw new CliError(EXIT.usage, `not a domain name: ${flags.domain}`);
  if (!isDomainName(flags.selector)) throw new CliError(EXIT.usage, `not a selector: ${flags.selector}`);
  const algorithm = (flags.algorithm ?? 'rsa-2048') as KeygenAlgorithm;
  const key = await generateKey(algorithm);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(flags.out, flags.force ? 'w' : 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError(EXIT.usage, `${flags.out} exists: give --force to replace it`);
    throw new CliError(EXIT.noInput, `cannot write ${flags.out}: ${code ?? e}`);
  }
  try {
    await handle.writeFile(key.privateKeyPem);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(flags.out, 0o600); // an existing file replaced with --force keeps its mode otherwise
  await writeStdout(zoneTxtRecord(flags.selector, flags.domain, key.record));
}
