// bench/mime-parse: MIME parsing throughput of poste against postal-mime and mailparser,
// in the same run, on a generated corpus and on ../shared/testdata/mime; then the peak RSS
// of poste streaming a generated 500 MB message (decoding and hashing every body).
//
//   npm run build && (cd bench && npm install) && node bench/mime-parse.mjs [--mb 500] [--rounds 3]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import PostalMime from 'postal-mime';
import { corpus } from './lib/generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const mime = await import(resolve(here, '../dist/mime/index.js'));

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg('rounds', 3);
const BIG_MB = arg('mb', 500);

/** poste, doing what the peers do: every body transfer-decoded, text bodies charset-decoded. */
function posteParse(bytes) {
  let decoder;
  let chunks;
  let text;
  let charset;
  const p = mime.createParser({
    partStart(info) {
      if (info.kind !== 'leaf') return;
      decoder = mime.createBodyDecoder(info.encoding);
      chunks = [];
      text = info.type.startsWith('text/');
      charset = info.params.charset ?? 'us-ascii';
    },
    body(_info, data) {
      chunks.push(decoder.update(data));
    },
    partEnd(info) {
      if (info.kind !== 'leaf') return;
      chunks.push(decoder.finish());
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      if (text) mime.decodeCharset(body, charset);
      for (const f of info.header.fields) {
        const n = f.name.toLowerCase();
        if (n === 'subject') mime.decodeUnstructured(f.value);
        else if (n === 'from' || n === 'to' || n === 'cc') mime.parseAddressList(f.value);
        else if (n === 'date') mime.parseDate(f.value);
      }
    },
  });
  p.push(bytes);
  p.end();
}

const parsers = {
  poste: async (b) => posteParse(b),
  'poste (tree)': async (b) => mime.parseMessage(b),
  'postal-mime': async (b) => PostalMime.parse(b),
  mailparser: async (b) =>
    simpleParser(b, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true }),
};

async function measure(name, fn, messages) {
  const bytes = messages.reduce((n, m) => n + m.length, 0);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = process.hrtime.bigint();
    for (const m of messages) await fn(m);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (s < best) best = s;
  }
  return { name, mbps: bytes / 1048576 / best, mps: messages.length / best };
}

async function table(title, messages) {
  const total = messages.reduce((n, m) => n + m.length, 0);
  console.log(
    `\n## ${title}: ${messages.length} messages, ${(total / 1048576).toFixed(1)} MB (best of ${ROUNDS})`,
  );
  const rows = [];
  for (const [name, fn] of Object.entries(parsers)) {
    // Warm up with a whole pass: JIT and lazy modules, the same for every parser.
    for (const m of messages) await fn(m);
    rows.push(await measure(name, fn, messages));
  }
  const peer = rows.find((r) => r.name === 'postal-mime');
  console.log('| parser | MB/s | messages/s | × postal-mime |\n|---|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.mbps.toFixed(1)} | ${r.mps.toFixed(0)} | ${(r.mbps / peer.mbps).toFixed(2)} |`,
    );
  }
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) return filesUnder(p);
    return /\.(eml|msg|txt|mbox)$/i.test(name) && !/\.(json|xml)$/i.test(name) ? [p] : [];
  });
}

await table('generated corpus', corpus(400, 42));
const testdata = process.env.POSTE_TESTDATA ?? resolve(here, '../../shared/testdata');
if (existsSync(join(testdata, 'mime'))) {
  await table(
    '../shared/testdata/mime',
    filesUnder(join(testdata, 'mime')).map((f) => readFileSync(f)),
  );
} else console.log('\n(../shared/testdata/mime not found: skipped)');

// Peak RSS: a child process streams a generated message through the parser.
console.log(`\n## peak RSS streaming a ${BIG_MB} MB message (decode + SHA-256 of every body)`);
const child = spawnSync(process.execPath, [join(here, 'lib/stream-big.mjs'), String(BIG_MB)], {
  encoding: 'utf8',
});
if (child.status !== 0) {
  console.log(child.stderr);
  process.exit(1);
}
console.log(child.stdout.trim());
