// Writes unikernels/<service>/README.md from each service's definition (its config keys by
// describeSchema) and checks every unikernels/<service>/config.example.json against it.
// A service whose definition is not built is left with its hand-written README.
//
//   npm run build && node scripts/unikernel-docs.mjs          write the READMEs
//   node scripts/unikernel-docs.mjs --check                   only check: stale README or bad example → exit 1
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const checkOnly = process.argv.includes('--check');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
if (!existsSync(join(root, 'dist', 'services', 'config.js'))) {
  console.error('unikernel-docs: dist/ is not built; run `npm run build` first');
  process.exit(66);
}
const { checkConfig, describeSchema } = await import(dist('services/config.js'));
const { GENERIC_SCHEMA } = await import(dist('cli/run/serve.js'));

/** What each service is for, where it listens and whom it talks to (docs/services/README.md). */
const ROLE = {
  submission: ['SMTP 587 (STARTTLS) and 465 (TLS)', 'the signer'],
  signer: ['SMTP, internal', 'the relay; the primary (DNS UPDATE of its keys); the resolver'],
  primary: ['DNS 53, UDP and TCP', 'its secondaries (NOTIFY)'],
  relay: ['SMTP, internal', 'the resolver (MX); remote MX hosts or our receiver'],
  resolver: ['DNS, internal', 'the primary (forward zones); the root servers unless forwardOnly'],
  receiver: ['SMTP 25', 'the resolver (SPF, DKIM, DMARC, ARC); the filter'],
  filter: ['SMTP, internal', 'the maildirs; the relay (forwards)'],
  acme: ['nothing', 'the ACME CA (HTTPS); the primary (DNS-01 UPDATEs)'],
};

async function definition(name) {
  for (const file of ['definition.js', 'index.js']) {
    const path = join(root, 'dist', 'services', name, file);
    if (!existsSync(path)) continue;
    const mod = await import(pathToFileURL(path).href);
    if (mod[`${name}Service`]) return mod[`${name}Service`];
  }
  return undefined;
}

function readme(def) {
  const [listens, talks] = ROLE[def.name];
  const schema = { ...def.schema, ...GENERIC_SCHEMA };
  return `<!-- Written by scripts/unikernel-docs.mjs from src/services/${def.name}: edit those, not this. -->
# poste ${def.name}

The ${def.name} service: ${def.summary}. Listens on: ${listens}. Talks to: ${talks}.
The user guide is [docs/services/${def.name}.md](../../docs/services/${def.name}.md); how the
eight fit together, [docs/services/README.md](../../docs/services/README.md).

## Running it

    poste serve ${def.name} --config ${def.name}.json            # from the installed package
    node dist/bundle/${def.name}.mjs --config ${def.name}.json   # the single-file bundle
    poste serve ${def.name} --config ${def.name}.json --check    # check the config, print it with its defaults

It runs under Node's permission model, allowed only the files its config names
(\`--no-sandbox\` turns that off); see [docs/commands/serve.md](../../docs/commands/serve.md).

## Config

A JSON object; unknown keys are refused, and a bad value is one error naming its key.
Durations are seconds (\`300\`) or \`250ms\`, \`30s\`, \`5m\`, \`4h\`, \`5d\`; addresses are
\`ADDR:PORT\` (\`[::1]:53\` for IPv6); relative paths are relative to the config file's directory.

| key | type | default | meaning |
|---|---|---|---|
${describeSchema(schema).join('\n')}

## Files

| file | what |
|---|---|
| [config.example.json](config.example.json) | a config for one host, the paths those of the systemd unit |
| [poste-${def.name}.service](poste-${def.name}.service) | a hardened systemd unit |
| [Containerfile](Containerfile) | a container: node:20-slim, a non-root user, the bundle |
| [main.mjs](main.mjs) | the entry point the bundle is made of (\`node scripts/bundle.mjs ${def.name}\`) |
`;
}

let bad = 0;
for (const name of Object.keys(ROLE)) {
  const dir = join(root, 'unikernels', name);
  const def = await definition(name);
  if (!def) {
    console.log(`${name}: not built, README.md left as it is`);
    continue;
  }
  const example = JSON.parse(readFileSync(join(dir, 'config.example.json'), 'utf8'));
  try {
    checkConfig({ ...def.schema, ...GENERIC_SCHEMA }, example, name);
  } catch (err) {
    console.error(`${name}: config.example.json: ${err.message}`);
    bad++;
  }
  const text = readme(def);
  const file = join(dir, 'README.md');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (old === text) continue;
  if (checkOnly) {
    console.error(`${name}: README.md is stale: run node scripts/unikernel-docs.mjs`);
    bad++;
  } else {
    writeFileSync(file, text);
    console.log(`unikernels/${name}/README.md written`);
  }
}
process.exitCode = bad ? 1 : 0;
