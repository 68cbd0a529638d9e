// The fast path for pipe stages. Loading oclif costs more than starting Node itself, and a
// pipe pays it at every stage; so when a command line is simple (long or short flags,
// positional arguments, nothing to explain), it is parsed here from the oclif manifest and
// the command's runner is called directly. Anything else (--help, an unknown or repeated
// flag, a missing argument, a value outside its options) goes to oclif, which stays the
// reference for parsing, help and errors. test/cli/fast-path.test.ts checks that both
// parse the same.
import { readFileSync } from 'node:fs';
import { reportFailure } from './report.js';

interface ManifestFlag {
  name: string;
  type: 'boolean' | 'option';
  char?: string;
  multiple?: boolean;
  options?: string[];
  /** Set by scripts/manifest.mjs for Flags.integer: the value is handed over as a number. */
  integer?: boolean;
  default?: unknown;
  required?: boolean;
  exclusive?: string[];
  allowNo?: boolean;
}

interface ManifestArg {
  name: string;
  required?: boolean;
}

export interface ManifestCommand {
  id: string;
  strict?: boolean;
  flags: Record<string, ManifestFlag>;
  args: Record<string, ManifestArg>;
}

export interface FastParse {
  flags: Record<string, unknown>;
  args: Record<string, string | undefined>;
  argv: string[];
}

type Runner = (input: FastParse) => Promise<void>;

/** Command id → its runner, loaded on demand. */
const RUNNERS: Record<string, () => Promise<Runner>> = {
  make: async () => (await import('./run/make.js')).runMake as Runner,
  'make:wrap': async () => (await import('./run/make-wrap.js')).runMakeWrap as Runner,
  'make:put': async () => (await import('./run/make-put.js')).runMakePut as unknown as Runner,
  descr: async () => (await import('./run/descr.js')).runDescr as Runner,
  hdr: async () => (await import('./run/hdr.js')).runHdr as Runner,
  addr: async () => (await import('./run/addr.js')).runAddr as Runner,
  extract: async () => (await import('./run/extract.js')).runExtract as unknown as Runner,
  'dns:query': async () => (await import('./run/dns-query.js')).runDnsQuery as unknown as Runner,
  'dns:serve': async () => (await import('./run/dns-serve.js')).runDnsServe as unknown as Runner,
  'spam:classify': async () => (await import('./run/spam-classify.js')).runSpamClassify as unknown as Runner,
  'spam:train': async () => (await import('./run/spam-train.js')).runSpamTrain as unknown as Runner,
  'spam:eval': async () => (await import('./run/spam-eval.js')).runSpamEval as unknown as Runner,
  send: async () => (await import('./run/send.js')).runSend as unknown as Runner,
  submit: async () => (await import('./run/submit.js')).runSubmit as unknown as Runner,
  srv: async () => (await import('./run/srv.js')).runSrv as unknown as Runner,
  'srv:hash-password': async () => (await import('./run/srv.js')).runSrvHashPassword as unknown as Runner,
  'mdir:add': async () => (await import('./run/mdir.js')).runMdirAdd as unknown as Runner,
  'mdir:list': async () => (await import('./run/mdir.js')).runMdirList as unknown as Runner,
  'mdir:cat': async () => (await import('./run/mdir.js')).runMdirCat as unknown as Runner,
  'mdir:flag': async () => (await import('./run/mdir.js')).runMdirFlag as unknown as Runner,
  'spf:check': async () => (await import('./run/spf-check.js')).runSpfCheck as unknown as Runner,
  'spf:stamp': async () => (await import('./run/spf-stamp.js')).runSpfStamp as unknown as Runner,
  recv: async () => (await import('./run/recv.js')).runRecv as unknown as Runner,
  'recv:stamp': async () => (await import('./run/recv.js')).runRecvStamp as unknown as Runner,
  'acme:issue': async () => (await import('./run/acme.js')).runAcmeIssue as unknown as Runner,
  'acme:renew': async () => (await import('./run/acme.js')).runAcmeRenew as unknown as Runner,
  'acme:serve': async () => (await import('./run/acme.js')).runAcmeServe as unknown as Runner,
  'dns:resolver': async () => (await import('./run/dns-resolver.js')).runDnsResolver as unknown as Runner,
  'dkim:sign': async () => (await import('./run/dkim-sign.js')).runDkimSign as unknown as Runner,
  'dkim:verify': async () => (await import('./run/dkim-verify.js')).runDkimVerify as unknown as Runner,
  'dkim:keygen': async () => (await import('./run/dkim-keygen.js')).runDkimKeygen as unknown as Runner,
  'dmarc:record': async () => (await import('./run/dmarc-record.js')).runDmarcRecord as unknown as Runner,
  'arc:verify': async () => (await import('./run/arc-verify.js')).runArcVerify as unknown as Runner,
  'arc:sign': async () => (await import('./run/arc-sign.js')).runArcSign as unknown as Runner,
  verify: async () => (await import('./run/verify.js')).runVerify as unknown as Runner,
  'user:add': async () => (await import('./run/store.js')).runUserAdd as unknown as Runner,
  'user:del': async () => (await import('./run/store.js')).runUserDel as unknown as Runner,
  'user:passwd': async () => (await import('./run/store.js')).runUserPasswd as unknown as Runner,
  'user:list': async () => (await import('./run/store.js')).runUserList as unknown as Runner,
  'alias:add': async () => (await import('./run/store.js')).runAliasAdd as unknown as Runner,
  'alias:del': async () => (await import('./run/store.js')).runAliasDel as unknown as Runner,
  'alias:list': async () => (await import('./run/store.js')).runAliasList as unknown as Runner,
  'domain:add': async () => (await import('./run/store.js')).runDomainAdd as unknown as Runner,
  'domain:list': async () => (await import('./run/store.js')).runDomainList as unknown as Runner,
  relay: async () => (await import('./run/relay.js')).runRelay as unknown as Runner,
  serve: async () => (await import('./run/serve.js')).runServe as unknown as Runner,
  'stack:up': async () => (await import('./run/stack.js')).runStackUp as unknown as Runner,
  'stack:down': async () => (await import('./run/stack.js')).runStackDown as unknown as Runner,
  'stack:status': async () => (await import('./run/stack.js')).runStackStatus as unknown as Runner,
  'queue:list': async () => (await import('./run/queue.js')).runQueueList as unknown as Runner,
  'queue:show': async () => (await import('./run/queue.js')).runQueueShow as unknown as Runner,
  'queue:flush': async () => (await import('./run/queue.js')).runQueueFlush as unknown as Runner,
  'queue:delete': async () => (await import('./run/queue.js')).runQueueDelete as unknown as Runner,
  'queue:hold': async () => (await import('./run/queue.js')).runQueueHold as unknown as Runner,
  'queue:release': async () => (await import('./run/queue.js')).runQueueRelease as unknown as Runner,
};

/**
 * Parses argv for a command the way oclif would, or returns undefined when oclif must
 * decide (help, errors, or anything unusual).
 */
export function parseFast(argv: string[], cmd: ManifestCommand): FastParse | undefined {
  const flags: Record<string, unknown> = {};
  const positional: string[] = [];
  const byChar = new Map<string, ManifestFlag>();
  for (const f of Object.values(cmd.flags)) if (f.char) byChar.set(f.char, f);
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i] as string;
    let flag: ManifestFlag | undefined;
    let value: string | undefined;
    if (tok.startsWith('--')) {
      if (tok === '--') return undefined;
      const eq = tok.indexOf('=');
      const name = eq < 0 ? tok.slice(2) : tok.slice(2, eq);
      flag = cmd.flags[name];
      if (eq >= 0) value = tok.slice(eq + 1);
    } else if (tok.length === 2 && tok[0] === '-' && tok[1] !== '-') {
      flag = byChar.get(tok[1] as string);
    } else if (tok.startsWith('-') && tok.length > 1) {
      return undefined; // combined short flags, negative numbers: oclif decides
    } else {
      positional.push(tok);
      continue;
    }
    if (!flag || flag.name === 'help' || flag.name === 'version') return undefined;
    if (flag.type === 'boolean') {
      if (value !== undefined || flags[flag.name] !== undefined) return undefined;
      flags[flag.name] = true;
      continue;
    }
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-')) return undefined;
      value = next;
      i++;
    }
    if (flag.options && !flag.options.includes(value)) return undefined;
    if (flag.integer && !/^-?\d+$/.test(value)) return undefined;
    const parsed: string | number = flag.integer ? Number.parseInt(value, 10) : value;
    if (flag.multiple) flags[flag.name] = [...((flags[flag.name] as unknown[] | undefined) ?? []), parsed];
    else if (flags[flag.name] !== undefined) return undefined;
    else flags[flag.name] = parsed;
  }
  for (const f of Object.values(cmd.flags)) {
    if (flags[f.name] === undefined) {
      if (f.required) return undefined;
      if (f.default !== undefined && f.type === 'option') flags[f.name] = f.default;
    } else if (f.exclusive?.some((x) => flags[x] !== undefined)) return undefined;
  }
  const argDefs = Object.values(cmd.args);
  if (cmd.strict !== false && positional.length > argDefs.length) return undefined;
  const args: Record<string, string | undefined> = {};
  for (const [k, def] of argDefs.entries()) {
    const v = positional[k];
    if (v === undefined && def.required) return undefined;
    if (v !== undefined) args[def.name] = v;
  }
  return { flags, args, argv: positional };
}

/** Finds the command named by the leading words of argv ("make wrap" → make:wrap). */
function findCommand(
  argv: string[],
  commands: Record<string, ManifestCommand>,
): [ManifestCommand, string[]] | undefined {
  for (let n = Math.min(argv.length, 3); n >= 1; n--) {
    const words = argv.slice(0, n);
    if (words.some((w) => w.startsWith('-'))) continue;
    const cmd = commands[words.join(':')];
    if (cmd) return [cmd, argv.slice(n)];
  }
  return undefined;
}

/** Runs the command if the fast path can take it; false means: let oclif run it. */
export async function runFastPath(argv: string[], manifestPath: URL): Promise<boolean> {
  let manifest: { commands: Record<string, ManifestCommand> };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    return false;
  }
  const found = findCommand(argv, manifest.commands);
  if (!found) return false;
  const [cmd, rest] = found;
  const load = RUNNERS[cmd.id];
  const parsed = load && parseFast(rest, cmd);
  if (!load || !parsed) return false;
  try {
    await (await load())(parsed);
  } catch (err) {
    process.exitCode = reportFailure(err, cmd.id.replace(/:/g, ' '));
  }
  return true;
}
