// `poste user|alias|domain`: changes to the store (src/store), each one git commit, and its
// listings. The store is --store, else $POSTE_STORE, else ./store (docs/store.md).
import { readFile } from 'node:fs/promises';
import { type Change, openStore, type Store, StoreError, type StoreErrorCode } from '../../store/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { readStdin, writeStdout } from '../io.js';

interface StoreFlags {
  store?: string | undefined;
}

interface Input<F = StoreFlags, A = Record<string, string | undefined>> {
  flags: F & StoreFlags;
  args: A;
  argv?: string[];
}

const EXIT_OF: Record<StoreErrorCode, number> = {
  'no-store': EXIT.noInput,
  invalid: EXIT.usage,
  'bad-data': EXIT.dataErr,
  exists: EXIT.dataErr,
  'not-found': EXIT.dataErr,
  'not-hosted': EXIT.dataErr,
  loop: EXIT.dataErr,
  'lock-busy': EXIT.tempFail,
  io: EXIT.tempFail,
};

function storeDir(flags: StoreFlags): string {
  return flags.store ?? process.env.POSTE_STORE ?? './store';
}

/** Runs `fn` on the store, turning StoreErrors into one line and their exit code. */
async function withStore<T>(flags: StoreFlags, fn: (s: Store) => Promise<T>, create = false): Promise<T> {
  const dir = storeDir(flags);
  try {
    const store = await openStore(dir, { create });
    return await fn(store);
  } catch (e) {
    if (e instanceof StoreError) {
      const hint = e.code === 'no-store' ? ' (give --store DIR, or start one with poste domain add)' : '';
      throw new CliError(EXIT_OF[e.code], `${e.message}${hint}`, { cause: e });
    }
    throw e;
  }
}

function printChange(c: Change): Promise<void> {
  return writeStdout(`${c.message} [${c.commit.slice(0, 7)}]\n`);
}

/** The new password: the first line of --password-file, else of standard input. Never argv. */
async function readPassword(file: string | undefined): Promise<string> {
  let bytes: Buffer;
  if (file !== undefined) {
    try {
      bytes = await readFile(file);
    } catch (e) {
      throw new CliError(
        EXIT.noInput,
        `cannot read --password-file ${file}: ${(e as NodeJS.ErrnoException).code}`,
      );
    }
  } else bytes = await readStdin();
  const password = bytes.toString('utf8').split(/\r?\n/)[0] ?? '';
  if (password === '')
    throw new CliError(
      EXIT.noInput,
      `no password ${file === undefined ? 'on standard input' : `in ${file}`}`,
    );
  return password;
}

function json(value: unknown): Promise<void> {
  return writeStdout(`${JSON.stringify(value, null, 2)}\n`);
}

// ---------------------------------------------------------------------------------------
// user

export async function runUserAdd({
  flags,
  args,
}: Input<{ 'password-file'?: string | undefined }, { address?: string | undefined }>): Promise<void> {
  const address = args.address as string;
  const password = await readPassword(flags['password-file']);
  await printChange(await withStore(flags, (s) => s.addUser(address, password)));
}

export async function runUserDel({
  flags,
  args,
}: Input<StoreFlags, { address?: string | undefined }>): Promise<void> {
  await printChange(await withStore(flags, (s) => s.deleteUser(args.address as string)));
}

export async function runUserPasswd({
  flags,
  args,
}: Input<{ 'password-file'?: string | undefined }, { address?: string | undefined }>): Promise<void> {
  const address = args.address as string;
  const password = await readPassword(flags['password-file']);
  await printChange(await withStore(flags, (s) => s.setPassword(address, password)));
}

export async function runUserList({ flags }: Input<{ json?: boolean | undefined }>): Promise<void> {
  const users = await withStore(flags, async (s) => s.users());
  if (flags.json)
    await json(users.map((address) => ({ address, domain: address.slice(address.lastIndexOf('@') + 1) })));
  else await writeStdout(users.map((u) => `${u}\n`).join(''));
}

// ---------------------------------------------------------------------------------------
// alias

export async function runAliasAdd({ flags, args, argv = [] }: Input): Promise<void> {
  const address = args.address as string;
  const targets = argv.slice(1);
  if (targets.length === 0)
    throw new CliError(EXIT.usage, 'give at least one TARGET (see: poste alias add --help)');
  await printChange(await withStore(flags, (s) => s.addAlias(address, targets)));
}

export async function runAliasDel({ flags, args, argv = [] }: Input): Promise<void> {
  const address = args.address as string;
  await printChange(await withStore(flags, (s) => s.deleteAlias(address, argv.slice(1))));
}

export async function runAliasList({ flags }: Input<{ json?: boolean | undefined }>): Promise<void> {
  const aliases = await withStore(flags, async (s) => s.aliases());
  if (flags.json) await json(aliases);
  else await writeStdout(aliases.map((a) => `${a.address}: ${a.targets.join(', ')}\n`).join(''));
}

// ---------------------------------------------------------------------------------------
// domain

export async function runDomainAdd({
  flags,
  args,
}: Input<
  { 'mx-host'?: string | undefined; ip?: string[] | undefined },
  { domain?: string | undefined }
>): Promise<void> {
  const added = await withStore(
    flags,
    (s) => s.addDomain(args.domain as string, { mxHost: flags['mx-host'], ips: flags.ip }),
    true,
  );
  const lines = [
    `${added.message} [${added.commit.slice(0, 7)}]`,
    `zone  ${added.zoneFile} (NS and MX ${added.mxHost})`,
    ...added.dkim.map((k) => `dkim  ${k.selector} ${k.algorithm} ${k.file}`),
    `tsig  ${added.tsigKey} in zones/tsig.keys`,
  ];
  await writeStdout(`${lines.join('\n')}\n`);
  const inZone = added.mxHost === added.domain || added.mxHost.endsWith(`.${added.domain}`);
  if (inZone && (flags.ip ?? []).length === 0)
    process.stderr.write(
      `poste domain add: warning: ${added.mxHost} has no address in the zone: give --ip\n`,
    );
}

export async function runDomainList({ flags }: Input<{ json?: boolean | undefined }>): Promise<void> {
  const rows = await withStore(flags, async (s) => {
    const users = s.users();
    return Promise.all(
      s.domains().map(async (domain) => ({
        domain,
        users: users.filter((u) => u.toLowerCase().endsWith(`@${domain}`)).length,
        dkim: (await s.dkimKeys(domain)).map((k) => ({ selector: k.selector, algorithm: k.algorithm })),
      })),
    );
  });
  if (flags.json) await json(rows);
  else await writeStdout(rows.map((r) => `${r.domain}\n`).join(''));
}
