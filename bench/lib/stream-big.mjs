// Streams a generated message of N MB through poste's describer (decode + hash each body)
// and reports the throughput and the process's peak RSS.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigMessage } from './generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const mime = await import(resolve(here, '../../dist/mime/index.js'));
const mb = Number(process.argv[2] ?? 500);
const d = mime.createDescriber();
const p = mime.createParser(d);
let bytes = 0;
const t0 = process.hrtime.bigint();
for (const chunk of bigMessage(mb)) {
  // Feed in 64 KiB slices, as a socket or a pipe would deliver them.
  for (let o = 0; o < chunk.length; o += 65536) {
    const slice = chunk.subarray(o, o + 65536);
    bytes += slice.length;
    p.push(slice);
  }
}
p.end();
const s = Number(process.hrtime.bigint() - t0) / 1e9;
const r = d.result();
// Peak RSS of this process: VmHWM belongs to the address space, which exec makes anew.
// (getrusage's maxRSS survives execve, so a child spawned by a big parent would report the
// parent's size at fork time.)
let rssMB = process.resourceUsage().maxRSS / 1024;
try {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  if (hwm) rssMB = Number(hwm[1]) / 1024;
} catch {
  // not Linux: keep maxRSS
}
console.log(`| message | parts | MB/s | peak RSS |\n|---|---:|---:|---:|`);
console.log(
  `| ${(bytes / 1048576).toFixed(0)} MB | ${r.root.parts.length} | ${(bytes / 1048576 / s).toFixed(0)} | ${rssMB.toFixed(0)} MB |`,
);
