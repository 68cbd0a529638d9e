// `poste serve SERVICE --config FILE`: one of the eight services in the foreground, from its
// JSON config. The config is checked first (a bad one is one line naming the key, exit 65),
// then the service starts with a logger, the optional metrics listener (`"metrics":
// "ADDR:PORT"` in any config) starts beside it, and one `ready` line gives the listeners.
// SIGTERM and SIGINT close the service and exit 0; SIGUSR1 logs its state.
//
// The sandbox: a service whose definition says which files it needs (`paths()`) runs under
// Node's permission model, by default. This process then only checks the config and
// re-executes itself as `node --permission --allow-fs-read=… --allow-fs-write=… serve.js …`
// (`--experimental-permission` before Node 22.13), passes signals on and exits with the
// child's code. `--no-sandbox` runs the service in this process, unrestricted.
//
// This file is also an entry point of its own (`node dist/cli/run/serve.js SERVICE --config
// FILE`): that is what the sandbox runs, so that the restricted process loads neither oclif
// nor anything outside the service's own modules; and bundles call serveMain().
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatServer } from '../../dns/index.js';
import {
  ConfigError,
  checkConfig,
  type Field,
  type ObjectField,
  type Schema,
} from '../../services/config.js';
import { createLogger, type Logger } from '../../services/log.js';
import { type MetricsServer, startMetrics } from '../../services/metrics.js';
import { loadService } from '../../services/registry.js';
import type { Listener, RunningService, ServiceDefinition } from '../../services/service.js';
import { CliError, EXIT } from '../exit-codes.js';
import { reportFailure } from '../report.js';

export interface ServeInput {
  args: { service?: string | undefined };
  flags: { config: string; check?: boolean | undefined; sandbox?: boolean | undefined };
}

/** How to run the same service again (under the permission model). */
export interface Reexec {
  script: string;
  args: string[];
}

/** The key every service config may have, handled here rather than by the service. */
export const GENERIC_SCHEMA: Schema = {
  metrics: {
    type: 'address',
    doc: 'ADDR:PORT of an HTTP listener for Prometheus metrics (/metrics) and health (/health)',
  },
};

export async function runServe({ args, flags }: ServeInput): Promise<void> {
  const name = args.service ?? '';
  let def: ServiceDefinition;
  try {
    def = await loadService(name);
  } catch (err) {
    if ((err as Error).message.startsWith('unknown service'))
      throw new CliError(EXIT.usage, (err as Error).message);
    throw err;
  }
  const config = resolve(flags.config);
  const passOn = [name, '--config', config];
  await serve(def, { ...flags, config }, { script: fileURLToPath(import.meta.url), args: passOn });
}

/** The config of a file as the service sees it, with the generic keys apart; CliErrors otherwise. */
export function loadConfig(
  def: ServiceDefinition,
  file: string,
): {
  raw: Record<string, unknown>;
  config: Record<string, unknown>;
  metrics?: { host: string; port: number };
} {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(EXIT.noInput, `--config ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CliError(EXIT.dataErr, `${file}: not JSON: ${(err as Error).message}`);
  }
  let checked: Record<string, unknown>;
  try {
    checked = checkConfig<Record<string, unknown>>({ ...def.schema, ...GENERIC_SCHEMA }, raw, def.name);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(EXIT.dataErr, `${file}: ${err.message}`);
    throw err;
  }
  const { metrics, ...config } = checked;
  return {
    raw: raw as Record<string, unknown>,
    config,
    ...(metrics ? { metrics: metrics as { host: string; port: number } } : {}),
  };
}

/** The config as given, with every default filled in, in the file's own terms ("5m", "ADDR:PORT"). */
export function effectiveConfig(schema: Schema, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(schema) as [string, Field | ObjectField][]) {
    const v = raw[key];
    if (f.type === 'object') {
      if (v !== undefined) out[key] = effectiveConfig(f.fields, v as Record<string, unknown>);
    } else if (v !== undefined) out[key] = v;
    else if (f.default !== undefined) out[key] = f.default;
  }
  return out;
}

/** `--experimental-permission` until Node 22.13 (and 23.0-23.4), `--permission` since. */
export function permissionFlag(version = process.version): string {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const stable = major >= 24 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13);
  return stable ? '--permission' : '--experimental-permission';
}

/** The directory holding the running code: the package (package.json above it), else the script's own. */
export function codeRoot(script: string): string {
  let real: string;
  try {
    real = realpathSync(script);
  } catch {
    real = resolve(script);
  }
  for (let dir = dirname(real); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'node_modules'))) return dir;
    if (dirname(dir) === dir) return dirname(real);
  }
}

/**
 * The paths without those inside another one of the list. Besides being shorter, Node 20's
 * permission model denies a directory outright when a file under it is granted too (the
 * filter's store and, inside it, the ARC key), so nested grants must not be passed.
 */
export function outermost(paths: readonly string[]): string[] {
  const all = [...new Set(paths.map((p) => resolve(p)))];
  return all.filter((p) => !all.some((q) => q !== p && (p.startsWith(`${q}/`) || q === '/')));
}

/** The node options that allow a service its files and nothing else. */
export function sandboxArgs(
  paths: { read: string[]; write: string[]; childProcess?: boolean },
  script: string,
  configFile: string,
  version = process.version,
): string[] {
  const read = outermost([codeRoot(script), resolve(configFile), ...paths.read, ...paths.write]);
  const write = outermost(paths.write);
  return [
    permissionFlag(version),
    ...read.map((p) => `--allow-fs-read=${p}`),
    ...write.map((p) => `--allow-fs-write=${p}`),
    ...(paths.childProcess ? ['--allow-child-process'] : []),
  ];
}

function listenerText(l: Listener): string {
  return formatServer({ host: l.host, port: l.port });
}

/** Runs a service to its end: checked config, sandbox or not, signals. */
export async function serve(
  def: ServiceDefinition,
  opts: { config: string; check?: boolean | undefined; sandbox?: boolean | undefined },
  reexec: Reexec,
): Promise<void> {
  const file = resolve(opts.config);
  const { raw, config, metrics } = loadConfig(def, file);
  if (opts.check) {
    process.stdout.write(
      `${JSON.stringify(effectiveConfig({ ...def.schema, ...GENERIC_SCHEMA }, raw), null, 2)}\n`,
    );
    return;
  }
  const baseDir = dirname(file);
  const log = createLogger(def.name);
  const sandboxed = (process as { permission?: unknown }).permission !== undefined;
  const wantSandbox = opts.sandbox ?? def.paths !== undefined;
  if (wantSandbox && !sandboxed) {
    if (!def.paths)
      throw new CliError(EXIT.usage, `${def.name} does not list its files (no paths()): use --no-sandbox`);
    const paths = def.paths(config as never, baseDir);
    // Node grants a directory only if it exists when the process starts.
    for (const p of paths.write) {
      try {
        if (!existsSync(p)) mkdirSync(p, { recursive: true, mode: 0o750 });
      } catch (err) {
        throw new CliError(EXIT.noInput, `cannot create ${p}: ${(err as Error).message}`);
      }
    }
    const node = sandboxArgs(paths, reexec.script, file);
    log('sandbox', {
      read: [...paths.read],
      write: [...paths.write],
      childProcess: paths.childProcess ?? false,
    });
    process.exitCode = await runChild([...node, reexec.script, ...reexec.args]);
    return;
  }
  await runService(def, config, { baseDir, log, ...(metrics ? { metrics } : {}) });
}

/**
 * Runs node with these arguments, passing our signals on; resolves with its exit code.
 * SIGUSR1 goes over the IPC channel: under Node 20's permission model a process never sees
 * its own SIGUSR1 (the signal of the inspector, which the model turns off).
 */
function runChild(args: string[]): Promise<number> {
  return new Promise((resolveExit, reject) => {
    const child = spawn(process.execPath, ['--no-warnings=ExperimentalWarning', ...args], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    const signals = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;
    const forward = (s: NodeJS.Signals) => () => {
      if (s === 'SIGUSR1' && child.connected) child.send({ signal: s });
      else child.kill(s);
    };
    const handlers = signals.map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolveExit(code ?? 128 + (signal ? signalNumber(signal) : 0));
    });
  });
}

function signalNumber(s: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 } as Record<string, number>)[s] ?? 0;
}

/** Starts the service (and its metrics), logs `ready`, and waits for SIGTERM or SIGINT. */
async function runService(
  def: ServiceDefinition,
  config: Record<string, unknown>,
  o: { baseDir: string; log: Logger; metrics?: { host: string; port: number } },
): Promise<void> {
  const { log } = o;
  let running: RunningService;
  try {
    running = await def.start(config, { log, baseDir: o.baseDir });
  } catch (err) {
    throw startFailure(def.name, err);
  }
  let metrics: MetricsServer | undefined;
  if (o.metrics) {
    try {
      metrics = await startMetrics({ ...o.metrics, service: def.name, running, log });
    } catch (err) {
      await running.close();
      throw startFailure(`${def.name} metrics`, err);
    }
  }
  const listeners = { ...running.listeners, ...(metrics ? { metrics: metrics.listener } : {}) };
  // The process stays up between a service's events, even when its own timers do not hold it.
  const alive = setInterval(() => {}, 1 << 30);
  const showState = () => {
    try {
      log('state', { ...running.state() });
    } catch (err) {
      log('state-error', { error: (err as Error).message });
    }
  };
  process.on('SIGUSR1', showState);
  // The sandbox's parent passes SIGUSR1 on as a message (see runChild).
  const onMessage = (m: unknown) => {
    if ((m as { signal?: unknown } | null)?.signal === 'SIGUSR1') showState();
  };
  // A second signal changes nothing (a terminal's ^C reaches the sandbox's parent and child
  // alike, and the parent passes it on): the first close goes on to its end.
  let stopping = false;
  // The sandbox's parent gone without a word (kill -9 of the pid a supervisor knows): the
  // service goes with it at once, as if killed too, rather than hold its ports unseen.
  const onParentGone = () => {
    if (stopping) return;
    log('parent-gone', {});
    process.exit(EXIT.software);
  };
  if (process.send) {
    process.on('message', onMessage);
    process.on('disconnect', onParentGone);
    process.channel?.unref();
  }
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log('stopping', { signal });
      void Promise.allSettled([running.close(), metrics?.close()]).then((results) => {
        for (const r of results)
          if (r.status === 'rejected')
            log('close-error', { error: (r.reason as Error)?.message ?? String(r.reason) });
        clearInterval(alive);
        process.off('SIGUSR1', showState);
        process.off('message', onMessage);
        process.off('disconnect', onParentGone);
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        process.disconnect?.();
        log('closed', {});
        done();
      });
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    // Only now: a supervisor may signal as soon as it reads this line, and a signal that
    // comes before its handler exists kills the process outright.
    log('ready', {
      pid: process.pid,
      listeners: Object.entries(listeners).map(([role, l]) => `${role}=${listenerText(l)}`),
    });
  });
}

/** A failure to start as the one line and exit code the user sees. */
function startFailure(what: string, err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof ConfigError) return new CliError(EXIT.dataErr, err.message);
  const e = err as NodeJS.ErrnoException;
  const code =
    e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL'
      ? EXIT.unavailable
      : e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'ERR_ACCESS_DENIED'
        ? EXIT.noInput
        : EXIT.software;
  return new CliError(code, `cannot start ${what}: ${e.message ?? String(err)}`);
}

/**
 * The command line of this file run as a program, or of a bundle: `[SERVICE] --config FILE
 * [--check] [--sandbox | --no-sandbox]`; SERVICE is left out when the bundle is one service.
 */
export async function serveMain(argv: string[], only?: ServiceDefinition, script?: string): Promise<number> {
  const id = `serve${only ? ` ${only.name}` : ''}`;
  try {
    const positional: string[] = [];
    const flags: { config?: string; check?: boolean; sandbox?: boolean } = {};
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] as string;
      if (a === '--check') flags.check = true;
      else if (a === '--sandbox') flags.sandbox = true;
      else if (a === '--no-sandbox') flags.sandbox = false;
      else if (a === '--config') flags.config = argv[++i];
      else if (a.startsWith('--config=')) flags.config = a.slice('--config='.length);
      else if (a.startsWith('-')) throw new CliError(EXIT.usage, `unknown option ${a}`);
      else positional.push(a);
    }
    if (!flags.config) throw new CliError(EXIT.usage, 'missing --config FILE');
    const config = resolve(flags.config);
    let def: ServiceDefinition;
    if (only) {
      if (positional.length > 0 && positional[0] !== only.name)
        throw new CliError(EXIT.usage, `this program runs the ${only.name} service only`);
      def = only;
    } else {
      if (positional.length !== 1)
        throw new CliError(EXIT.usage, 'usage: serve SERVICE --config FILE [--check]');
      try {
        def = await loadService(positional[0] as string);
      } catch (err) {
        throw new CliError(EXIT.usage, (err as Error).message);
      }
    }
    const self = script ?? fileURLToPath(import.meta.url);
    const passOn = [...(only ? [] : [def.name]), '--config', config];
    await serve(def, { ...flags, config }, { script: self, args: passOn });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    return reportFailure(err, id);
  }
}

// Run as a program (what the sandbox re-executes): `node serve.js SERVICE --config FILE`.
const main = process.argv[1];
if (main && import.meta.url.endsWith('/cli/run/serve.js')) {
  let isMain = false;
  try {
    isMain = realpathSync(main) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    // Not this file.
  }
  if (isMain) process.exitCode = await serveMain(process.argv.slice(2));
}
