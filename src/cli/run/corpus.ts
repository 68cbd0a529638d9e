// `poste corpus generate` and `poste corpus roundtrip`: batches of work spread over worker
// threads (one per core), results gathered in order, progress on stderr.

import { createWriteStream, mkdirSync, opendirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FailureReport, Job, JobResult } from '../corpus-worker.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeStdout } from '../io.js';
import { createProgress } from '../progress.js';

const WORKER = new URL('../corpus-worker.js', import.meta.url);
const BATCH = 500;

/** Runs jobs on a pool of workers; `onResult` sees results in job order. */
async function runPool(
  jobs: Iterable<Job>,
  threads: number,
  onResult: (r: JobResult) => void | Promise<void>,
): Promise<void> {
  const iterator = jobs[Symbol.iterator]();
  const pending = new Map<number, JobResult>();
  let nextToDeliver = 0;
  let failed: Error | undefined;
  const workers = Array.from({ length: threads }, () => new Worker(WORKER));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolveWorker, reject) => {
            const feed = () => {
              const next = failed ? undefined : iterator.next();
              if (!next || next.done) {
                resolveWorker();
                return;
              }
              w.postMessage(next.value);
            };
            w.on('message', async (r: JobResult) => {
              if (r.error) failed ??= new Error(r.error);
              pending.set(r.id, r);
              // Deliver in order, so output (mbox) and reports are deterministic.
              while (pending.has(nextToDeliver)) {
                const ready = pending.get(nextToDeliver) as JobResult;
                pending.delete(nextToDeliver);
                nextToDeliver++;
                await onResult(ready);
              }
              feed();
            });
            w.on('error', reject);
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failed) throw new CliError(EXIT.software, `worker failed: ${failed.message}`);
}

function threadCount(flag: number | undefined): number {
  return Math.max(1, flag ?? availableParallelism());
}

function* rangeJobs(count: number, make: (id: number, start: number, n: number) => Job): Generator<Job> {
  let id = 0;
  for (let start = 0; start < count; start += BATCH) yield make(id++, start, Math.min(BATCH, count - start));
}

export interface GenerateInput {
  flags: {
    count: number;
    seed: number;
    out: string;
    format: string;
    wild?: boolean | undefined;
    threads?: number | undefined;
    quiet?: boolean | undefined;
    json?: boolean | undefined;
  };
}

export async function runCorpusGenerate({ flags }: GenerateInput): Promise<void> {
  const out = resolve(flags.out);
  const format = flags.format as 'eml' | 'maildir' | 'mbox';
  mkdirSync(out, { recursive: true });
  if (format === 'maildir')
    for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(out, d), { recursive: true });
  const width = String(Math.max(0, flags.count - 1)).length;
  const progress = createProgress('generate', flags.count, flags.quiet);
  const mbox = format === 'mbox' ? createWriteStream(join(out, 'corpus.mbox')) : undefined;
  let done = 0;
  let bytes = 0;
  const started = Date.now();
  const { toMbox } = await import('../../corpus/index.js');
  await runPool(
    rangeJobs(flags.count, (id, start, count) => ({
      id,
      op: 'write',
      seed: flags.seed,
      start,
      count,
      wild: flags.wild === true,
      format,
      out,
      width,
    })),
    threadCount(flags.threads),
    async (r) => {
      done += r.done;
      if (mbox && r.messages) {
        const chunk = toMbox(r.messages);
        bytes += chunk.length;
        if (!mbox.write(chunk)) await new Promise<void>((ok) => mbox.once('drain', () => ok()));
      }
      progress.update(done);
    },
  );
  if (mbox) await new Promise<void>((ok, ko) => mbox.end((e?: Error | null) => (e ? ko(e) : ok())));
  progress.finish();
  const secs = (Date.now() - started) / 1000;
  const summary = {
    messages: done,
    seed: flags.seed,
    format,
    out,
    wild: flags.wild === true,
    seconds: secs,
    perSecond: Math.round(done / secs),
  };
  await writeStdout(
    flags.json
      ? `${JSON.stringify(summary)}\n`
      : `${done} messages written to ${out} (${format}, seed ${flags.seed}${flags.wild ? ', wild' : ''}) in ${secs.toFixed(1)} s, ${summary.perSecond}/s${bytes ? `, ${bytes} bytes` : ''}\n`,
  );
}

export interface RoundtripInput {
  args: { dir?: string | undefined };
  flags: {
    generate?: number | undefined;
    seed: number;
    wild?: boolean | undefined;
    failures: string;
    threads?: number | undefined;
    quiet?: boolean | undefined;
    json?: boolean | undefined;
  };
}

/** The files of a corpus folder (recursively: maildir, .eml, .mbox), streamed in batches. */
function* fileJobs(dir: string): Generator<Job> {
  let id = 0;
  let batch: string[] = [];
  const walk = function* (d: string): Generator<string> {
    const handle = opendirSync(d);
    try {
      for (let e = handle.readSync(); e !== null; e = handle.readSync()) {
        const p = join(d, e.name);
        if (e.isDirectory()) yield* walk(p);
        else if (e.isFile() && !e.name.startsWith('.') && !/\.(md|json|txt\.json)$/i.test(e.name)) yield p;
      }
    } finally {
      handle.closeSync();
    }
  };
  for (const f of walk(dir)) {
    batch.push(f);
    if (batch.length === 100) {
      yield { id: id++, op: 'check', source: 'files', files: batch };
      batch = [];
    }
  }
  if (batch.length) yield { id: id++, op: 'check', source: 'files', files: batch };
}

export async function runCorpusRoundtrip({ args, flags }: RoundtripInput): Promise<void> {
  if ((args.dir === undefined) === (flags.generate === undefined)) {
    throw new CliError(EXIT.usage, 'give a corpus folder, or --generate N (not both)');
  }
  if (args.dir !== undefined) {
    try {
      if (!statSync(args.dir).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new CliError(EXIT.noInput, `cannot read corpus folder ${args.dir}`);
    }
  }
  const jobs =
    args.dir !== undefined
      ? fileJobs(args.dir)
      : rangeJobs(flags.generate as number, (id, start, count) => ({
          id,
          op: 'check',
          source: 'generate',
          seed: flags.seed,
          start,
          count,
          wild: flags.wild === true,
        }));
  const progress = createProgress('roundtrip', flags.generate, flags.quiet);
  const kinds: Record<string, number> = {};
  const failureKinds: Record<string, number> = {};
  const failuresDir = resolve(flags.failures);
  let done = 0;
  let failures = 0;
  let written = 0;
  const started = Date.now();
  const report = (f: FailureReport) => {
    failures++;
    failureKinds[f.kind] = (failureKinds[f.kind] ?? 0) + 1;
    if (f.bytes.length === 0 || written >= 1000) return;
    mkdirSync(failuresDir, { recursive: true });
    const base = join(failuresDir, String(++written).padStart(4, '0'));
    writeFileSync(`${base}.eml`, f.bytes);
    if (f.reencoded) writeFileSync(`${base}.reencoded.eml`, f.reencoded);
    writeFileSync(`${base}.txt`, `${f.name}\n${f.kind}: ${f.detail}\n`);
  };
  await runPool(jobs, threadCount(flags.threads), (r) => {
    done += r.done;
    for (const [k, n] of Object.entries(r.kinds)) kinds[k] = (kinds[k] ?? 0) + n;
    for (const f of r.failures) report(f);
    progress.update(done, `${failures} failures`);
  });
  progress.finish();
  const secs = (Date.now() - started) / 1000;
  const summary = {
    messages: done,
    failures,
    failureKinds,
    kinds,
    seconds: secs,
    perSecond: Math.round(done / Math.max(secs, 1e-9)),
    failuresDir: failures ? failuresDir : null,
  };
  if (flags.json) await writeStdout(`${JSON.stringify(summary)}\n`);
  else {
    const lines = [`${done} messages, ${failures} failures (${secs.toFixed(1)} s, ${summary.perSecond}/s)`];
    for (const [k, n] of Object.entries(kinds).sort()) lines.push(`  ${k}: ${n}`);
    for (const [k, n] of Object.entries(failureKinds).sort()) lines.push(`  failed ${k}: ${n}`);
    if (failures) lines.push(`failing messages and their differences: ${failuresDir}`);
    await writeStdout(`${lines.join('\n')}\n`);
  }
  if (failures > 0) process.exitCode = EXIT.verdict;
}
