// bench/dkim: DKIM signatures and verifications per second of poste against mailauth (in this
// process) and python3-dkim (dkimpy, its own timing loop in Debian's /usr/bin/python3), in
// the same run, for a 10 KB and a 1 MB message, RSA-2048 and Ed25519, relaxed/relaxed; then
// RSA signing against node:crypto's signature alone, and poste's body hashing (relaxed and
// simple canonicalization + SHA-256) in MB/s against node:crypto's SHA-256 of the same
// bytes. Each side verifies what it signed itself, with its key looked up in memory (no DNS
// on the wire).
//
//   npm run build && (cd bench && npm install) && node bench/dkim.mjs [--seconds 2]
import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, sign as cryptoSign, generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';

const here = dirname(fileURLToPath(import.meta.url));
const dkim = await import(resolve(here, '../dist/dkim/index.js'));
const dns = await import(resolve(here, '../dist/dns/index.js'));
const canonModule = await import(resolve(here, '../dist/dkim/canon.js'));
const { simdWithoutPacking } = await import(resolve(here, '../dist/dkim/simd.js'));

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const SECONDS = arg('seconds', 2);
const PYTHON = '/usr/bin/python3';
const DOMAIN = 'example.org';

// ---------------------------------------------------------------------------------------
// Keys, records, messages

const keys = {};
for (const [alg, type, opts, sel] of [
  ['rsa-sha256', 'rsa', { modulusLength: 2048 }, 'rsa'],
  ['ed25519-sha256', 'ed25519', {}, 'ed'],
]) {
  const { privateKey, publicKey } = generateKeyPairSync(type, opts);
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const p = type === 'rsa' ? spki.toString('base64') : spki.subarray(-32).toString('base64');
  keys[alg] = {
    selector: sel,
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }),
    python:
      type === 'rsa'
        ? privateKey.export({ format: 'pem', type: 'pkcs1' })
        : privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32).toString('base64'),
    record: `v=DKIM1; k=${type}; p=${p}`,
  };
}
const records = Object.fromEntries(
  Object.values(keys).map((k) => [`${k.selector}._domainkey.${DOMAIN}`, k.record]),
);

/** A plain-text message of about `size` bytes, CRLF lines, some with trailing spaces. */
function message(size) {
  const header =
    'From: Joe <joe@example.org>\r\nTo: Suzie <suzie@example.net>\r\nSubject: dinner\r\n' +
    'Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <1@example.org>\r\n' +
    'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n';
  const lines = [];
  let n = header.length;
  for (let i = 0; n < size; i++) {
    const line = `${'Lorem ipsum dolor sit amet,  consectetur adipiscing elit '.repeat(2).slice(0, 60 + (i % 15))}${i % 7 === 0 ? '  ' : ''}\r\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(header + lines.join(''));
}
const MESSAGES = { '10 KB': message(10 * 1024), '1 MB': message(1024 * 1024) };

// ---------------------------------------------------------------------------------------
// poste and mailauth

const zone = new dns.ZoneResolver([
  new dns.Zone('.', [
    {
      name: '.',
      type: dns.TYPE.SOA,
      class: 1,
      ttl: 0,
      data: { mname: '.', rname: '.', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 0 },
    },
    ...Object.entries(records).map(([name, value]) => ({
      name: `${name}.`,
      type: dns.TYPE.TXT,
      class: 1,
      ttl: 300,
      data: dns.txtData(value),
    })),
  ]),
]);
const posteResolver = { resolve: (name, type) => zone.resolve(name, type) };
const mailauthResolver = async (name) => {
  const v = records[name.replace(/\.$/, '')];
  if (v === undefined) throw Object.assign(new Error('NXDOMAIN'), { code: 'ENOTFOUND' });
  return [[v]];
};

const impls = {
  poste: {
    sign: async (msg, alg) =>
      dkim.signMessage(msg, {
        signatures: [{ domain: DOMAIN, selector: keys[alg].selector, key: keys[alg].pem }],
      }),
    verify: async (msg) => {
      const [r] = await dkim.verify(msg, { resolver: posteResolver });
      if (r?.result !== 'pass') throw new Error(`poste: ${r?.result} ${r?.reason}`);
    },
  },
  mailauth: {
    sign: async (msg, alg) => {
      const r = await dkimSign(msg, {
        canonicalization: 'relaxed/relaxed',
        signatureData: [
          { signingDomain: DOMAIN, selector: keys[alg].selector, privateKey: keys[alg].pem, algorithm: alg },
        ],
      });
      if (r.errors?.length) throw r.errors[0];
      return Buffer.concat([Buffer.from(r.signatures), msg]);
    },
    verify: async (msg) => {
      const r = await dkimVerify(msg, { resolver: mailauthResolver });
      if (r.results[0]?.status?.result !== 'pass')
        throw new Error(`mailauth: ${JSON.stringify(r.results[0]?.status)}`);
    },
  },
};

/** Operations per second: as many as fit in SECONDS, after a warm-up. */
async function rate(fn) {
  for (let i = 0; i < 3; i++) await fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < SECONDS * 1000) {
    await fn();
    n++;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

// ---------------------------------------------------------------------------------------
// python3-dkim: the same cases, timed in Python

const PY = `
import base64, json, sys, time
import dkim
req = json.load(sys.stdin)
records = {k.lower() + '.': v.encode() for k, v in req['records'].items()}
def dnsfunc(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    return records.get(name.lower().rstrip('.') + '.')
def rate(fn, seconds):
    for _ in range(3): fn()
    n = 0; t0 = time.perf_counter(); t = t0
    while t - t0 < seconds:
        fn(); n += 1; t = time.perf_counter()
    return n / (t - t0)
out = {}
for case in req['cases']:
    msg = base64.b64decode(case['msg'])
    key = case['key'].encode()
    sign = lambda: dkim.sign(msg, case['selector'].encode(), b'${DOMAIN}', key,
                             canonicalize=(b'relaxed', b'relaxed'),
                             signature_algorithm=case['alg'].encode(), linesep=b'\\r\\n')
    signed = sign() + msg
    assert dkim.verify(signed, dnsfunc=dnsfunc), 'python3-dkim does not verify its own signature'
    out[case['name']] = {'sign': rate(sign, req['seconds']),
                         'verify': rate(lambda: dkim.verify(signed, dnsfunc=dnsfunc), req['seconds'])}
json.dump(out, sys.stdout)
`;

function pythonRates(cases) {
  const r = spawnSync(PYTHON, ['-c', PY], {
    input: JSON.stringify({ records, seconds: SECONDS, cases }),
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) {
    console.error(`python3-dkim skipped: ${r.stderr.toString().trim().split('\n').pop()}`);
    return undefined;
  }
  return JSON.parse(r.stdout.toString());
}

// ---------------------------------------------------------------------------------------

const cases = [];
for (const [size, msg] of Object.entries(MESSAGES))
  for (const alg of Object.keys(keys)) cases.push({ name: `${size} ${alg}`, size, alg, msg });

const results = {};
for (const c of cases) {
  results[c.name] = {};
  for (const [name, impl] of Object.entries(impls)) {
    const signed = await impl.sign(c.msg, c.alg);
    await impl.verify(signed);
    results[c.name][name] = {
      sign: await rate(() => impl.sign(c.msg, c.alg)),
      verify: await rate(() => impl.verify(signed)),
    };
  }
}
const py = pythonRates(
  cases.map((c) => ({
    name: c.name,
    msg: c.msg.toString('base64'),
    alg: c.alg,
    selector: keys[c.alg].selector,
    key: keys[c.alg].python,
  })),
);
if (py) for (const c of cases) results[c.name]['python3-dkim'] = py[c.name];

console.log(`## DKIM, relaxed/relaxed, operations per second (${SECONDS} s each; × = poste / peer)\n`);
console.log('| message | algorithm | op | poste | mailauth | × mailauth | python3-dkim | × python3-dkim |');
console.log('|---|---|---|---:|---:|---:|---:|---:|');
for (const c of cases) {
  const r = results[c.name];
  for (const op of ['sign', 'verify']) {
    const p = r.poste[op];
    const m = r.mailauth[op];
    const y = r['python3-dkim']?.[op];
    console.log(
      `| ${c.size} | ${c.alg} | ${op} | ${p.toFixed(0)} | ${m.toFixed(0)} | ${(p / m).toFixed(2)} | ${y === undefined ? '–' : y.toFixed(0)} | ${y === undefined ? '–' : (p / y).toFixed(2)} |`,
    );
  }
}

// The two aims against a physical limit are measured interleaved: the sides take turns in
// short slices, and the ratio is the median of the slices' ratios, so that the machine
// getting slower or faster meanwhile (a shared machine does, by ±20%) moves both alike.

/** Medians over ROUNDS rounds, each fn running SECONDS / ROUNDS per round: ops/s, and × the first. */
function interleaved(fns) {
  const ROUNDS = 15;
  const slice = (SECONDS * 1000) / ROUNDS;
  const run = (fn) => {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < slice) {
      fn();
      n++;
      t = performance.now();
    }
    return (n * 1000) / (t - t0);
  };
  for (const fn of fns) run(fn);
  const rates = fns.map(() => []);
  const ratios = fns.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    const round = fns.map(run);
    round.forEach((x, i) => {
      rates[i].push(x);
      ratios[i].push(x / round[0]);
    });
  }
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  return fns.map((_, i) => ({ rate: median(rates[i]), ratio: median(ratios[i]) }));
}

// RSA signing of 10 KB against node:crypto's RSA-2048 signature alone, over what DKIM signs
// (the canonical header fields and the signature field, ~500 bytes).
{
  const key = createPrivateKey(keys['rsa-sha256'].pem);
  const headerInput = Buffer.alloc(500, 'a');
  const msg = MESSAGES['10 KB'];
  const [raw, ours] = interleaved([
    () => cryptoSign('sha256', headerInput, key),
    () =>
      dkim.signMessage(msg, {
        signatures: [{ domain: DOMAIN, selector: 'rsa', key: keys['rsa-sha256'].pem }],
      }),
  ]);
  console.log('\n## RSA-2048 signing of 10 KB against node:crypto signing alone (interleaved)\n');
  console.log('| | signs/s | × crypto.sign |\n|---|---:|---:|');
  console.log(`| crypto.sign over 500 bytes | ${raw.rate.toFixed(0)} | 1.00 |`);
  console.log(`| poste dkim signMessage, 10 KB | ${ours.rate.toFixed(0)} | ${ours.ratio.toFixed(2)} |`);
}

// Body hashing: poste's canonicalization + SHA-256 against SHA-256 alone, 64 KiB chunks, for
// three bodies: the text above (adversarial for relaxed: a double space in every line and
// trailing spaces on every 7th, a change every few dozen bytes); a typical MIME body
// (quoted-printable text, single spaces, no trailing blanks, and a base64 attachment); and
// real mail, the bodies of the SpamAssassin public corpus in ../shared/testdata (line ends
// made CRLF; HTML indented with spaces and tabs, 44 blanks to delete per KB). The first two
// are hashed from memory ("cold": 32 MB, read from RAM once) and from cache ("warm": the 1 MB
// body 32 times over, as a chunk just read from a socket is); the corpus from memory.
// "relaxed, deciding only" is the floor under relaxed here: the same pipeline with a kernel
// that decides every byte's fate and packs none (a wrong output; simdWithoutPacking).

/** A multipart body of about `size` bytes: a quarter QP text, the rest a base64 attachment. */
function mimeBody(size) {
  const words = 'the quick brown fox jumps over a lazy dog while our team=20reviews caf=C3=A9 menus'.split(
    ' ',
  );
  const text = [];
  let n = 0;
  let seed = 1;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  while (n < size / 4) {
    let line = '';
    while (line.length < 60) line += `${line ? ' ' : ''}${words[next() % words.length]}`;
    line += next() % 3 === 0 ? '=\r\n' : '\r\n'; // soft line breaks, hard ones
    text.push(line);
    n += line.length;
  }
  const bytes = Buffer.alloc(Math.floor(((size - n) * 3) / 4));
  for (let i = 0; i < bytes.length; i++) bytes[i] = next() >>> 8;
  const b64 = bytes.toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    '--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' +
      `${text.join('')}\r\n--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
      `${b64}\r\n--b--\r\n`,
  );
}

/** The bodies of the SpamAssassin public corpus, CRLF, one after another; undefined without testdata. */
function corpusBodies() {
  const root = join(
    process.env.POSTE_TESTDATA ?? resolve(here, '../../shared/testdata'),
    'spam/spamassassin-public-corpus',
  );
  if (!existsSync(root)) return undefined;
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (d !== root) files.push(join(d, e.name)); // the messages, not LICENSE or labels.tsv
    }
  };
  walk(root);
  const bodies = [];
  for (const f of files.sort()) {
    const s = readFileSync(f, 'latin1').replace(/\r?\n/g, '\r\n');
    const at = s.indexOf('\r\n\r\n');
    if (at >= 0) bodies.push(Buffer.from(s.slice(at + 4), 'latin1'));
  }
  return Buffer.concat(bodies);
}

const floorKernels = simdWithoutPacking();
const text = MESSAGES['1 MB'].subarray(MESSAGES['1 MB'].indexOf('\r\n\r\n') + 4);
const mime = mimeBody(1024 * 1024);
const bodyCases = [
  ['text, a change every few dozen bytes, cold', text, 32, 1],
  ['text, a change every few dozen bytes, warm', text, 1, 32],
  ['MIME: QP text + base64 attachment, cold', mime, 32, 1],
  ['MIME: QP text + base64 attachment, warm', mime, 1, 32],
];
const corpus = corpusBodies();
if (corpus)
  bodyCases.push([
    `real mail: SpamAssassin corpus bodies (${(corpus.length / 1048576).toFixed(0)} MB), cold`,
    corpus,
    1,
    1,
  ]);
else console.log('\n(../shared/testdata/spam not found: the real-mail body skipped)');
const rows = [];
for (const [name, body, copies, rounds] of bodyCases) {
  const big = copies === 1 ? body : Buffer.concat(Array.from({ length: copies }, () => body));
  const chunks = [];
  for (let i = 0; i < big.length; i += 65536) chunks.push(big.subarray(i, i + 65536));
  const feed = (h) => {
    for (let r = 0; r < rounds; r++) for (const c of chunks) h.update(c);
  };
  const hashWith = (canon) => () => {
    const h = new dkim.BodyHashes();
    const id = h.add(canon, 'sha256');
    feed(h);
    h.end();
    return h.get(id);
  };
  const floor = () => {
    const h = createHash('sha256');
    const c = canonModule.createBodyCanonicalizer('relaxed', (b) => h.update(b), { kernels: floorKernels });
    feed(c);
    c.end();
    return h.digest();
  };
  const fns = [
    () => {
      const h = createHash('sha256');
      feed(h);
      return h.digest();
    },
    hashWith('simple'),
    hashWith('relaxed'),
  ];
  if (floorKernels) fns.push(floor);
  const mb = (big.length * rounds) / 1048576;
  const [raw, simple, relaxed, least] = interleaved(fns);
  rows.push({ name, mb, raw, simple, relaxed, least });
}
console.log('\n## body hash in 64 KiB chunks (interleaved)\n');
console.log('| body | | MB/s | × node:crypto sha256 |\n|---|---|---:|---:|');
for (const r of rows) {
  const line = (label, x) =>
    console.log(`| ${r.name} | ${label} | ${(x.rate * r.mb).toFixed(0)} | ${x.ratio.toFixed(2)} |`);
  line('node:crypto sha256', r.raw);
  line('poste simple + sha256', r.simple);
  line('poste relaxed + sha256', r.relaxed);
  if (r.least) line('relaxed, deciding only (the floor)', r.least);
}
