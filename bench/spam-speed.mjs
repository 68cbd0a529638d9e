// bench/spam-speed: classified emails per second, poste against bogofilter, in the same run,
// on the SpamAssassin public corpus (../shared/testdata/spam). Both classify every email with
// a model trained on the whole corpus, in one process over all files (bogofilter -B; poste
// `spam classify --json FILE...`), so start-up and model loading are counted once for each.
// The in-process rate of the library (tokenize + classify, model loaded) is printed too.
//
//   npm run build && node bench/spam-speed.mjs [--rounds 3]
// Needs bogofilter (Debian package `bogofilter`).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const spam = await import(resolve(here, '../dist/spam/index.js'));
const i = process.argv.indexOf('--rounds');
const ROUNDS = i >= 0 ? Number(process.argv[i + 1]) : 3;
const root = resolve(
  process.env.POSTE_TESTDATA ?? resolve(here, '../../shared/testdata'),
  'spam/spamassassin-public-corpus',
);
const rows = readFileSync(join(root, 'labels.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => l.split('\t'))
  .map(([path, label]) => ({ path: join(root, path), label }));
const files = rows.map((r) => r.path);
const tmp = mkdtempSync(join(tmpdir(), 'poste-spam-speed-'));
const model = join(tmp, 'poste.model');
const db = join(tmp, 'bogo');
try {
  execFileSync('mkdir', [db]);
  const bogo = (args) => spawnSync('bogofilter', ['-d', db, ...args, '-B', ...files], { maxBuffer: 1 << 28 });
  // Models trained on everything (what the emails are classified against does not matter here).
  const trainFiles = (label) => rows.filter((r) => r.label === label).map((r) => r.path);
  execFileSync('bogofilter', ['-d', db, '-s', '-B', ...trainFiles('spam')]);
  execFileSync('bogofilter', ['-d', db, '-n', '-B', ...trainFiles('ham')]);
  const m = new spam.SpamModel();
  spam.learnAll(
    m,
    rows.map((r) => ({ label: r.label, tokens: spam.tokenize(readFileSync(r.path)).tokens })),
  );
  (await import('node:fs')).writeFileSync(model, spam.encodeModel(m));

  const best = (fn) => {
    let t = Number.POSITIVE_INFINITY;
    for (let r = 0; r < ROUNDS; r++) {
      const s = performance.now();
      fn();
      t = Math.min(t, performance.now() - s);
    }
    return files.length / (t / 1000);
  };
  const bogoRate = best(() => {
    const r = bogo(['-T']);
    if (r.stdout.toString().split('\n').length < files.length) throw new Error('bogofilter failed');
  });
  const cli = join(here, '..', 'bin', 'run.js');
  const posteRate = best(() => {
    const r = spawnSync(process.execPath, [cli, 'spam', 'classify', '--model', model, '--json', ...files], {
      maxBuffer: 1 << 28,
    });
    if (r.stdout.toString().split('\n').length < files.length) throw new Error(`poste failed: ${r.stderr}`);
  });
  const bytes = files.map((f) => readFileSync(f));
  const libRate = best(() => {
    for (const b of bytes) spam.classifyTokens(m, spam.tokenize(b).tokens);
  });
  console.log(`${files.length} emails, best of ${ROUNDS} rounds`);
  console.log(`bogofilter -B          ${bogoRate.toFixed(0).padStart(7)} emails/s`);
  console.log(
    `poste spam classify    ${posteRate.toFixed(0).padStart(7)} emails/s   ratio ${(posteRate / bogoRate).toFixed(2)}`,
  );
  console.log(
    `poste library (in RAM) ${libRate.toFixed(0).padStart(7)} emails/s   ratio ${(libRate / bogoRate).toFixed(2)}`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
