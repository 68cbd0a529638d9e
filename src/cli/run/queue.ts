// `poste queue list|show|flush|delete|hold|release --spool DIR`: the relay's spool, read
// and changed on disk (renames, as the relay itself does), then the running relay (its pid
// in SPOOL/relay.pid) is told: SIGHUP to re-read, SIGUSR2 to re-read and try everything now.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MailQueue, type QueuedMessage, QueueError } from '../../queue/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeStdout } from '../io.js';

interface SpoolFlags {
  spool: string;
  json?: boolean | undefined;
}

async function openQueue(spool: string): Promise<MailQueue> {
  try {
    if (!(await stat(join(spool, 'queue'))).isDirectory()) throw new Error('queue/ is not a directory');
  } catch (err) {
    throw new CliError(EXIT.noInput, `--spool ${spool}: not a spool (${(err as Error).message})`);
  }
  return new MailQueue(spool);
}

/** The running relay's pid, if one is. */
async function relayPid(spool: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(spool, 'relay.pid'), 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function tell(spool: string, signal: 'SIGHUP' | 'SIGUSR2'): Promise<boolean> {
  const pid = await relayPid(spool);
  if (pid === undefined) return false;
  process.kill(pid, signal);
  return true;
}

function summary(m: QueuedMessage) {
  return {
    id: m.id,
    folder: m.folder,
    size: m.size,
    arrived: new Date(m.envelope.arrived).toISOString(),
    from: m.envelope.from,
    attempts: m.status.attempts,
    nextAttempt:
      m.status.nextAttempt === undefined ? undefined : new Date(m.status.nextAttempt).toISOString(),
    recipients: m.envelope.recipients.map((r) => ({
      address: r.address,
      ...(m.status.recipients[r.address] ?? { state: 'pending' }),
    })),
  };
}

export async function runQueueList({ flags }: { flags: SpoolFlags }): Promise<void> {
  const q = await openQueue(flags.spool);
  const list = await q.list();
  if (flags.json) {
    await writeStdout(`${JSON.stringify(list.map(summary), null, 2)}\n`);
    return;
  }
  if (list.length === 0) {
    await writeStdout('the queue is empty\n');
    return;
  }
  const out: string[] = [];
  for (const m of list) {
    const s = summary(m);
    out.push(
      `${s.id}${m.folder === 'hold' ? ' (held)' : ''}  ${s.size} octets  ${s.arrived}  <${s.from}>` +
        (s.attempts ? `  ${s.attempts} attempts, next ${s.nextAttempt ?? 'now'}` : ''),
    );
    for (const r of s.recipients) {
      const why = 'lastReply' in r && r.lastReply ? `: ${r.lastReply}` : 'reply' in r ? `: ${r.reply}` : '';
      out.push(`    ${r.state.padEnd(9)} <${r.address}>${why}`);
    }
  }
  out.push(`${list.length} message${list.length === 1 ? '' : 's'}`);
  await writeStdout(`${out.join('\n')}\n`);
}

async function withMessage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof QueueError) throw new CliError(EXIT.noInput, err.message);
    throw err;
  }
}

export async function runQueueShow({
  flags,
  args,
}: {
  flags: SpoolFlags & { message?: boolean | undefined };
  args: { id: string };
}): Promise<void> {
  const q = await openQueue(flags.spool);
  if (flags.message) {
    await writeStdout(await withMessage(() => q.message(args.id)));
    return;
  }
  const m = await withMessage(() => q.get(args.id));
  if (flags.json) {
    await writeStdout(
      `${JSON.stringify({ ...summary(m), envelope: m.envelope, status: m.status }, null, 2)}\n`,
    );
    return;
  }
  const header = await q.header(args.id);
  const s = summary(m);
  const lines = [
    `id: ${s.id}${m.folder === 'hold' ? ' (held)' : ''}`,
    `arrived: ${s.arrived}${m.envelope.client ? ` from ${m.envelope.client}` : ''}`,
    `sender: <${s.from}>`,
    `size: ${s.size} octets`,
    `attempts: ${s.attempts}${s.nextAttempt ? `, next ${s.nextAttempt}` : ''}`,
    ...s.recipients.map((r) => `recipient: <${r.address}> ${r.state}`),
    '',
  ];
  await writeStdout(Buffer.concat([Buffer.from(lines.join('\n')), header]));
}

type Change = 'delete' | 'hold' | 'release';

async function change(kind: Change, flags: SpoolFlags, ids: string[]): Promise<void> {
  if (ids.length === 0)
    throw new CliError(EXIT.usage, `name the messages to ${kind} (ids from poste queue list)`);
  const q = await openQueue(flags.spool);
  const done: string[] = [];
  for (const id of ids) {
    await withMessage(() =>
      kind === 'delete' ? q.remove(id) : kind === 'hold' ? q.hold(id) : q.release(id),
    );
    done.push(id);
  }
  const told = await tell(flags.spool, 'SIGHUP');
  if (flags.json) await writeStdout(`${JSON.stringify({ [kind]: done, relayNotified: told })}\n`);
  else
    await writeStdout(
      `${done.map((id) => `${id}: ${kind === 'delete' ? 'deleted' : `${kind === 'hold' ? 'held' : 'released'}`}`).join('\n')}\n`,
    );
}

export const runQueueDelete = ({ flags, argv }: { flags: SpoolFlags; argv: string[] }) =>
  change('delete', flags, argv);
export const runQueueHold = ({ flags, argv }: { flags: SpoolFlags; argv: string[] }) =>
  change('hold', flags, argv);
export const runQueueRelease = ({ flags, argv }: { flags: SpoolFlags; argv: string[] }) =>
  change('release', flags, argv);

export async function runQueueFlush({ flags }: { flags: SpoolFlags }): Promise<void> {
  const q = await openQueue(flags.spool);
  if (await tell(flags.spool, 'SIGUSR2')) {
    await writeStdout(
      flags.json ? `${JSON.stringify({ relayNotified: true })}\n` : 'the relay is trying every message now\n',
    );
    return;
  }
  // No relay running: due at its next start.
  let n = 0;
  for (const m of await q.list()) {
    if (m.status.nextAttempt === undefined || m.folder === 'hold') continue;
    delete m.status.nextAttempt;
    await q.writeStatus(m.id, m.status);
    n++;
  }
  await writeStdout(
    flags.json
      ? `${JSON.stringify({ relayNotified: false, due: n })}\n`
      : `no relay is running; ${n} message${n === 1 ? '' : 's'} will be tried when it starts\n`,
  );
}
