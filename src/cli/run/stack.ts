// `poste stack up|down|status`: the eight services as separate processes on loopback, with
// the embedded default built the first time (src/services/stack/plan.ts). `up` starts what
// is not running (so it also restarts what went down), waits until each answers /health,
// and prints where everything is; without --detach it stays in the foreground and brings
// the stack down on SIGINT or SIGTERM. Every process is found and stopped by its pid.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileDurably } from '../../fs/index.js';
import { initStack, SERVICE_ORDER, type ServiceName, type StackFile } from '../../services/stack/plan.js';
import { healthy, isAlive, startService, stopProcess, waitHealthy } from '../../services/stack/supervisor.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeStdout } from '../io.js';

interface StackFlags {
  data?: string | undefined;
  json?: boolean | undefined;
  detach?: boolean | undefined;
}

const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));
const HEALTH_TIMEOUT_MS = 30_000;

export function dataDir(flag: string | undefined): string {
  if (flag) return resolve(flag);
  if (process.env.POSTE_STACK_DIR) return resolve(process.env.POSTE_STACK_DIR);
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'poste', 'stack');
}

function stackPath(dir: string): string {
  return join(dir, 'stack.json');
}

function readStack(dir: string): StackFile | undefined {
  const file = stackPath(dir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackFile;
  } catch (e) {
    throw new CliError(EXIT.dataErr, `${file}: ${(e as Error).message}`);
  }
}

async function saveStack(stack: StackFile): Promise<void> {
  await writeFileDurably(stackPath(stack.dir), `${JSON.stringify(stack, null, 2)}\n`, 0o600);
}

function tail(file: string, lines = 5): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function table(stack: StackFile, health?: Record<string, boolean>): string {
  const rows = SERVICE_ORDER.map((name) => {
    const s = stack.services[name];
    const where = s.port ? `${s.host}:${s.port}` : '-';
    const state = health ? (health[name] ? 'up' : isAlive(s.pid) ? 'unhealthy' : 'down') : '';
    return `${name.padEnd(11)} ${s.protocol.padEnd(5)} ${where.padEnd(21)} pid ${String(s.pid ?? '-').padEnd(8)} ${state}`.trimEnd();
  });
  const sub = stack.services.submission;
  rows.push(
    `${'submission'.padEnd(11)} smtps ${`${sub.host}:${stack.extra.submissions}`.padEnd(21)} (implicit TLS)`,
  );
  const users = stack.users.map((u) => `user ${u.address} password ${u.password} maildir ${u.maildir}`);
  return [...rows, ...users, `CA certificate: ${stack.ca}`].join('\n');
}

export async function runStackUp({ flags }: { flags: StackFlags }): Promise<void> {
  const dir = dataDir(flags.data);
  let stack = readStack(dir);
  if (!stack) {
    await writeStdout(`creating the stack in ${dir}\n`);
    stack = await initStack(dir);
    await saveStack(stack);
  }
  const started: ServiceName[] = [];
  for (const name of SERVICE_ORDER) {
    const s = stack.services[name];
    if (isAlive(s.pid) && (await waitHealthy(s.host, s.metrics, s.pid as number, 5000))) continue;
    if (isAlive(s.pid)) await stopProcess(s.pid as number);
    s.pid = startService(BIN, name, s.config, s.log);
    started.push(name);
    await saveStack(stack);
    if (!(await waitHealthy(s.host, s.metrics, s.pid, HEALTH_TIMEOUT_MS))) {
      const why = tail(s.log);
      throw new CliError(
        EXIT.unavailable,
        `${name} did not become healthy (log ${s.log})${why ? `:\n${why}` : ''}`,
      );
    }
  }
  await writeStdout(
    `${started.length ? `started: ${started.join(', ')}` : 'every service was already running'}\n${table(stack)}\n`,
  );
  if (flags.detach) return;
  const current = stack;
  await new Promise<void>((done) => {
    const stop = () => void down(current).then(() => done());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function down(stack: StackFile): Promise<string[]> {
  const lines: string[] = [];
  for (const name of [...SERVICE_ORDER].reverse()) {
    const s = stack.services[name];
    if (s.pid === undefined) continue;
    const r = await stopProcess(s.pid);
    lines.push(`${name}: ${r}`);
    delete s.pid;
    await saveStack(stack);
  }
  return lines;
}

export async function runStackDown({ flags }: { flags: StackFlags }): Promise<void> {
  const dir = dataDir(flags.data);
  const stack = readStack(dir);
  if (!stack) throw new CliError(EXIT.noInput, `no stack in ${dir}`);
  const lines = await down(stack);
  await writeStdout(lines.length ? `${lines.join('\n')}\n` : 'nothing was running\n');
}

export async function runStackStatus({ flags }: { flags: StackFlags }): Promise<void> {
  const dir = dataDir(flags.data);
  const stack = readStack(dir);
  if (!stack) throw new CliError(EXIT.noInput, `no stack in ${dir}`);
  const health: Record<string, boolean> = {};
  for (const name of SERVICE_ORDER) {
    const s = stack.services[name];
    health[name] = isAlive(s.pid) && (await healthy(s.host, s.metrics));
  }
  if (flags.json) {
    const services = Object.fromEntries(
      SERVICE_ORDER.map((n) => {
        const s = stack.services[n];
        return [
          n,
          { host: s.host, port: s.port, pid: s.pid ?? null, alive: isAlive(s.pid), healthy: health[n] },
        ];
      }),
    );
    await writeStdout(`${JSON.stringify({ dir, services }, null, 2)}\n`);
  } else await writeStdout(`${table(stack, health)}\n`);
  if (!Object.values(health).every(Boolean)) process.exitCode = EXIT.verdict;
}
