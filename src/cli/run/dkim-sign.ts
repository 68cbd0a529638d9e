// `poste dkim sign`: email in, signed email out. The DKIM-Signature fields go on top but
// depend on the whole message, so the message is kept in a Spool (memory, then a temporary
// file) while it is hashed.
import {
  type Canon,
  type CanonPair,
  createCrlfNormalizer,
  createSigner,
  DkimError,
  loadSigningKey,
  type SignatureSpec,
  type SigningAlgorithm,
} from '../../dkim/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { readInputFile, stdinChunks, writeStdout } from '../io.js';
import { Spool, writeStdoutChunk } from '../spool.js';

export interface DkimSignInput {
  flags: {
    key: string[];
    selector: string[];
    domain: string[];
    algorithm?: string[] | undefined;
    identity?: string[] | undefined;
    canon?: string | undefined;
    headers?: string | undefined;
    'no-oversign'?: boolean | undefined;
    expire?: string | undefined;
    time?: string | undefined;
  };
}

/** A per-key flag: given once (for every key) or once per --key, in the same order. */
function perKey(name: string, values: string[] | undefined, keys: number): (string | undefined)[] {
  if (values === undefined || values.length === 0) return Array(keys).fill(undefined);
  if (values.length === 1) return Array(keys).fill(values[0]);
  if (values.length === keys) return values;
  throw new CliError(
    EXIT.usage,
    `--${name} is given ${values.length} times for ${keys} keys: give it once, or once per --key`,
  );
}

function seconds(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,12}$/.test(v)) throw new CliError(EXIT.usage, `--${name} must be a number of seconds: ${v}`);
  return Number(v);
}

export async function specsFromFlags(flags: DkimSignInput['flags']): Promise<SignatureSpec[]> {
  const n = flags.key.length;
  const selectors = perKey('selector', flags.selector, n);
  const domains = perKey('domain', flags.domain, n);
  const algorithms = perKey('algorithm', flags.algorithm, n);
  const identities = perKey('identity', flags.identity, n);
  const expiresIn = seconds('expire', flags.expire);
  const headers = flags.headers
    ?.split(/[:,\s]+/)
    .map((h) => h.trim())
    .filter((h) => h !== '');
  const specs: SignatureSpec[] = [];
  for (let i = 0; i < n; i++) {
    const file = flags.key[i] as string;
    let key: SignatureSpec['key'];
    try {
      key = loadSigningKey(await readInputFile(file));
    } catch (e) {
      if (e instanceof DkimError) throw new CliError(EXIT.dataErr, `${file}: ${e.message}`);
      throw e;
    }
    const spec: SignatureSpec = {
      key,
      selector: selectors[i] as string,
      domain: domains[i] as string,
      canonicalization: (flags.canon ?? 'relaxed/relaxed') as CanonPair | Canon,
      oversign: !flags['no-oversign'],
    };
    if (algorithms[i] !== undefined) spec.algorithm = algorithms[i] as SigningAlgorithm;
    if (identities[i] !== undefined) spec.identity = identities[i] as string;
    if (headers) spec.headers = headers;
    if (expiresIn !== undefined) spec.expiresIn = expiresIn;
    specs.push(spec);
  }
  return specs;
}

export async function runDkimSign({ flags }: DkimSignInput): Promise<void> {
  const specs = await specsFromFlags(flags);
  const now = seconds('time', flags.time);
  let signer: ReturnType<typeof createSigner>;
  try {
    signer = createSigner(now === undefined ? { signatures: specs } : { signatures: specs, now });
  } catch (e) {
    if (e instanceof DkimError) throw new CliError(EXIT.usage, e.message);
    throw e;
  }
  const spool = new Spool();
  const crlf = createCrlfNormalizer();
  try {
    let fields: Uint8Array;
    try {
      for await (const raw of stdinChunks()) {
        const chunk = crlf.transform(raw);
        signer.push(chunk);
        await spool.write(chunk);
      }
      fields = signer.end();
    } catch (e) {
      if (e instanceof DkimError) throw new CliError(EXIT.dataErr, e.message); // a header over 1 MiB
      throw e;
    }
    await writeStdoutChunk(fields);
    await spool.replay(writeStdoutChunk);
    await writeStdout(new Uint8Array(0));
  } finally {
    await spool.dispose();
  }
}
