// bench/spam-accuracy: k-fold cross-validation on the SpamAssassin public corpus
// (../shared/testdata/spam), poste and bogofilter on the same folds, side by side. Each
// fold trains both on the other folds (bogofilter: -s/-n over every training email, its
// usual "train on everything") and classifies the held-out emails.
//
//   npm run build && node bench/spam-accuracy.mjs [--folds 5] [--seed poste]
// Needs bogofilter (Debian package `bogofilter`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const spam = await import(resolve(here, '../dist/spam/index.js'));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const FOLDS = Number(arg('folds', '5'));
const SEED = arg('seed', 'poste');
const root = resolve(
  process.env.POSTE_TESTDATA ?? resolve(here, '../../shared/testdata'),
  'spam/spamassassin-public-corpus',
);

const rows = readFileSync(join(root, 'labels.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => l.split('\t'))
  .map(([path, label]) => ({ path: join(root, path), label }));
const folds = spam.assignFolds(
  rows.map((r) => r.label),
  FOLDS,
  SEED,
);

// poste
let t = performance.now();
const items = rows.map((r) => ({ label: r.label, tokens: spam.tokenize(readFileSync(r.path)).tokens }));
const cv = spam.crossValidate(items, { folds: FOLDS, seed: SEED });
const posteSecs = (performance.now() - t) / 1000;

// bogofilter, on the very same folds
const bogo = spam.emptyConfusion();
const VERDICT = { S: 'spam', H: 'ham', U: 'unsure' };
t = performance.now();
for (let f = 0; f < FOLDS; f++) {
  const db = mkdtempSync(join(tmpdir(), 'poste-bogo-'));
  try {
    const run = (args, files) =>
      execFileSync('bogofilter', ['-d', db, ...args, '-B', ...files], { maxBuffer: 1 << 28 }).toString();
    const train = rows.filter((_, i) => folds[i] !== f);
    run(
      ['-s'],
      train.filter((r) => r.label === 'spam').map((r) => r.path),
    );
    run(
      ['-n'],
      train.filter((r) => r.label === 'ham').map((r) => r.path),
    );
    const test = rows.filter((_, i) => folds[i] === f);
    const byPath = new Map(test.map((r) => [r.path, r.label]));
    let out = '';
    try {
      out = run(
        ['-T'],
        test.map((r) => r.path),
      );
    } catch (e) {
      out = e.stdout.toString(); // bogofilter exits 0/1/2 by the last verdict
    }
    for (const line of out.trim().split('\n')) {
      const m = /^(.*) ([SHU]) [\d.e-]+$/.exec(line);
      if (!m) throw new Error(`unexpected bogofilter output: ${line}`);
      bogo[byPath.get(m[1])][VERDICT[m[2]]]++;
    }
  } finally {
    rmSync(db, { recursive: true, force: true });
  }
}
const bogoSecs = (performance.now() - t) / 1000;
const b = spam.metricsOf(bogo);
const version = execFileSync('bogofilter', ['-V']).toString().split('\n')[0];

const pct = (x) => `${(x * 100).toFixed(2)}%`.padStart(9);
const o = cv.overall;
const line = (name, f) => `${name.padEnd(24)}${f(o).padStart(12)}${f(b).padStart(14)}`;
console.log(`${FOLDS}-fold cross-validation, seed ${JSON.stringify(SEED)}, ${rows.length} emails (${root})`);
console.log(`${''.padEnd(24)}${'poste'.padStart(12)}${'bogofilter'.padStart(14)}`);
console.log(line('accuracy', (m) => pct(m.accuracy)));
console.log(line('precision', (m) => pct(m.precision)));
console.log(line('recall', (m) => pct(m.recall)));
console.log(line('false positive rate', (m) => pct(m.falsePositiveRate)));
console.log(line('unsure', (m) => pct(m.unsureRate)));
for (const l of ['ham', 'spam'])
  for (const v of ['ham', 'unsure', 'spam'])
    console.log(line(`${l} → ${v}`, (m) => String(m.confusion[l][v])));
console.log(`poste ${posteSecs.toFixed(1)} s, bogofilter ${bogoSecs.toFixed(1)} s; ${version}`);
console.log('(unsure counts as not spam for accuracy, precision and recall, in both columns)');
