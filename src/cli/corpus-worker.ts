// A worker thread of `poste corpus`: generates, writes and round-trips messages in batches
// the main thread hands out, so every core works and memory stays flat.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { checkMessage, generateMessages, splitMbox } from '../corpus/index.js';

export type Job =
  | { id: number; op: 'check'; source: 'generate'; seed: number; start: number; count: number; wild: boolean }
  | { id: number; op: 'check'; source: 'files'; files: string[] }
  | {
      id: number;
      op: 'write';
      seed: number;
      start: number;
      count: number;
      wild: boolean;
      format: 'eml' | 'maildir' | 'mbox';
      out: string;
      width: number;
    };

export interface FailureReport {
  name: string;
  kind: string;
  detail: string;
  bytes: Uint8Array;
  reencoded?: Uint8Array;
}

export interface JobResult {
  id: number;
  done: number;
  kinds: Record<string, number>;
  failures: FailureReport[];
  /** mbox: the messages, in order, for the main thread to append. */
  messages?: Uint8Array[];
  error?: string;
}

/** At most this many failing messages per batch are sent back whole. */
const MAX_REPORTED = 20;

function* messagesOf(job: Job): Generator<[string, Uint8Array]> {
  if (job.op === 'check' && job.source === 'files') {
    for (const file of job.files) {
      const bytes = readFileSync(file);
      if (/\.mbox$/i.test(file)) {
        let i = 0;
        for (const m of splitMbox(bytes)) yield [`${file}#${++i}`, m];
      } else yield [file, bytes];
    }
    return;
  }
  let i = job.start;
  for (const m of generateMessages(job.count, job.seed, { wild: job.wild, start: job.start }))
    yield [`#${i++}`, m];
}

function run(job: Job): JobResult {
  const result: JobResult = { id: job.id, done: 0, kinds: {}, failures: [] };
  if (job.op === 'write') {
    const messages: Uint8Array[] = [];
    let i = job.start;
    for (const m of generateMessages(job.count, job.seed, { wild: job.wild, start: job.start })) {
      const n = String(i++).padStart(job.width, '0');
      if (job.format === 'eml') writeFileSync(join(job.out, `${n}.eml`), m);
      else if (job.format === 'maildir') writeFileSync(join(job.out, 'new', `${n}.${job.seed}.poste`), m);
      else messages.push(m);
      result.done++;
    }
    if (job.format === 'mbox') result.messages = messages;
    return result;
  }
  for (const [name, bytes] of messagesOf(job)) {
    const r = checkMessage(bytes);
    result.done++;
    for (const k of r.kinds) result.kinds[k] = (result.kinds[k] ?? 0) + 1;
    if (r.failure) {
      const report: FailureReport = {
        name,
        kind: r.failure.kind,
        detail: r.failure.detail,
        bytes: new Uint8Array(0),
      };
      if (result.failures.length < MAX_REPORTED) {
        report.bytes = bytes;
        if (r.reencoded) report.reencoded = r.reencoded;
      }
      result.failures.push(report);
    }
  }
  return result;
}

parentPort?.on('message', (job: Job) => {
  try {
    parentPort?.postMessage(run(job));
  } catch (e) {
    parentPort?.postMessage({
      id: job.id,
      done: 0,
      kinds: {},
      failures: [],
      error: (e as Error).message,
    } satisfies JobResult);
  }
});
