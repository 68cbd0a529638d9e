// Builds dist/bundle/<service>.mjs: one service as a single ES module file, its only
// dependency Node itself (see unikernels/README.md for why a bundler, and why rolldown).
// Input: unikernels/<service>/main.mjs over the compiled dist/ (run `npm run build` first).
//
//   node scripts/bundle.mjs              every service whose code is built
//   node scripts/bundle.mjs relay acme   these only
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ALL = ['submission', 'signer', 'primary', 'relay', 'resolver', 'receiver', 'filter', 'acme'];
const asked = process.argv.slice(2);
for (const name of asked) if (!ALL.includes(name)) throw new Error(`unknown service ${name}`);

/** The registry names all eight services; a bundle of one must not carry the seven others. */
function oneServiceRegistry(name) {
  return {
    name: 'poste-one-service-registry',
    resolveId(id, importer) {
      if (importer && /\/services\/registry\.js$/.test(resolve(dirname(importer), id))) return '\0registry';
      return null;
    },
    load(id) {
      if (id !== '\0registry') return null;
      return [
        `export const SERVICE_NAMES = [${JSON.stringify(name)}];`,
        'export function isServiceName(n) { return SERVICE_NAMES.includes(n); }',
        'export async function loadService(n) {',
        `  throw new Error(\`unknown service \${JSON.stringify(n)} (this program runs ${name} only)\`);`,
        '}',
      ].join('\n');
    },
  };
}

function built(name) {
  return ['definition.js', 'index.js'].some((f) => existsSync(join(root, 'dist', 'services', name, f)));
}

if (!existsSync(join(root, 'dist', 'cli', 'run', 'serve.js'))) {
  console.error('bundle: dist/ is not built; run `npm run build` first');
  process.exit(66);
}
const names = asked.length ? asked : ALL.filter(built);
mkdirSync(join(root, 'dist', 'bundle'), { recursive: true });
let failed = 0;
// The DNS services fork UDP workers (src/services/udp-workers.ts), a program of their own
// found next to the service's file: udp-worker.mjs goes beside their bundles.
const outputs = names.map((name) => ({
  name,
  input: join(root, 'unikernels', name, 'main.mjs'),
  plugins: [oneServiceRegistry(name)],
}));
if (names.includes('primary') || names.includes('resolver'))
  outputs.push({ name: 'udp-worker', input: join(root, 'dist', 'services', 'udp-worker.js'), plugins: [] });
for (const { name, input, plugins } of outputs) {
  const file = join(root, 'dist', 'bundle', `${name}.mjs`);
  try {
    const bundle = await rolldown({ input, platform: 'node', plugins, logLevel: 'warn' });
    await bundle.write({
      file,
      format: 'esm',
      codeSplitting: false,
    });
    await bundle.close();
    console.log(`dist/bundle/${name}.mjs: ${Math.round(statSync(file).size / 1024)} KiB`);
  } catch (err) {
    failed++;
    console.error(`bundle ${name}: ${err.message}`);
  }
}
process.exitCode = failed ? 70 : 0;
