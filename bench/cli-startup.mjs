// bench/cli-startup: how fast a pipe stage starts. Times `poste hdr Subject < small.eml`
// against `node -e ''` (the floor for any Node program) and mblaze's mhdr (a C program),
// over the same number of runs, and prints the ratios. Aim: poste within 2x of bare node.
//
//   npm run build && node bench/cli-startup.mjs [--runs 30]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '../bin/run.js');
const i = process.argv.indexOf('--runs');
const RUNS = i >= 0 ? Number(process.argv[i + 1]) : 30;

const dir = mkdtempSync(join(tmpdir(), 'poste-bench-'));
const small = join(dir, 'small.eml');
writeFileSync(
  small,
  'From: a@example.org\r\nTo: b@example.net\r\nSubject: =?utf-8?q?caf=C3=A9?= time\r\n\r\nHello.\r\n',
);

function time(label, cmd, args) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) return { label, ms: null };
  const samples = [];
  for (let r = 0; r < RUNS; r++) {
    const fd = openSync(small, 'r');
    const t0 = process.hrtime.bigint();
    const p = spawnSync(cmd, args, { stdio: [fd, 'pipe', 'pipe'] });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (p.status !== 0) throw new Error(`${label} failed: ${p.stderr}`);
  }
  samples.sort((a, b) => a - b);
  return { label, ms: samples[Math.floor(samples.length / 2)] };
}

const rows = [
  time("node -e ''", process.execPath, ['-e', '']),
  time('poste hdr Subject', process.execPath, [bin, 'hdr', 'Subject']),
  time('poste hdr Subject (through oclif)', process.execPath, [bin, 'hdr', 'Subject', '--raw', '--raw']),
  time('mhdr -h subject (mblaze)', 'mhdr', ['-h', 'subject', small]),
];
const floor = rows[0].ms;
console.log(`median of ${RUNS} runs\n\n| command | ms | × node -e '' |\n|---|---:|---:|`);
for (const r of rows) {
  console.log(
    r.ms === null
      ? `| ${r.label} | not installed | |`
      : `| ${r.label} | ${r.ms.toFixed(1)} | ${(r.ms / floor).toFixed(2)} |`,
  );
}
