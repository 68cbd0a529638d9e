// `npm run demo`: the whole mail system on this machine. Brings the stack up in a fresh
// directory, sends a message from ada@alpha.test to bob@beta.test through submission
// (STARTTLS + AUTH, trusting the stack's local CA), waits for it in bob's maildir, prints
// it — DKIM-Signature, Authentication-Results, X-Spam-Status — and brings the stack down,
// whatever happens. Nothing leaves loopback.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'run.js');
const dir = mkdtempSync(join(tmpdir(), 'poste-demo-'));

function poste(args, input) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, timeout: 120_000 });
  return {
    status: r.status,
    bytes: r.stdout,
    stdout: r.stdout?.toString() ?? '',
    stderr: r.stderr?.toString() ?? '',
  };
}

function step(title) {
  process.stdout.write(`\n== ${title}\n`);
}

let ok = false;
try {
  step(`poste stack up --data ${dir} --detach`);
  const up = poste(['stack', 'up', '--data', dir, '--detach']);
  process.stdout.write(up.stdout);
  if (up.status !== 0) throw new Error(`stack up failed: ${up.stderr.trim()}`);
  const stack = JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8'));
  const ada = stack.users.find((u) => u.address === 'ada@alpha.test');
  const bob = stack.users.find((u) => u.address === 'bob@beta.test');
  const pw = join(dir, 'ada.password');
  writeFileSync(pw, `${ada.password}\n`, { mode: 0o600 });

  step('poste make | poste submit (ada@alpha.test → bob@beta.test, STARTTLS + AUTH)');
  const made = poste(
    [
      'make',
      '--from',
      'Ada <ada@alpha.test>',
      '--to',
      'Bob <bob@beta.test>',
      '--subject',
      'Hello from poste',
    ],
    'Bob,\n\nThis message went through submission, the signer, the relay, the receiver\nand the filter, all on this machine.\n\nAda\n',
  );
  if (made.status !== 0) throw new Error(made.stderr.trim());
  const sub = stack.services.submission;
  const sent = poste(
    [
      'submit',
      '--host',
      sub.host,
      '--port',
      String(sub.port),
      '--starttls',
      '--user',
      ada.address,
      '--password-file',
      pw,
      '--ca',
      stack.ca,
      '--helo',
      'demo.alpha.test',
    ],
    made.bytes,
  );
  process.stdout.write(sent.stdout + sent.stderr);
  if (sent.status !== 0) throw new Error('submission failed');

  step(`waiting for the message in ${bob.maildir}`);
  const newDir = join(bob.maildir, 'new');
  let file;
  for (let i = 0; i < 300 && !file; i++) {
    if (existsSync(newDir)) file = readdirSync(newDir)[0];
    if (!file) await new Promise((r) => setTimeout(r, 100));
  }
  if (!file) throw new Error('the message did not arrive within 30 s');
  step(`the delivered message (${join(newDir, file)})`);
  process.stdout.write(readFileSync(join(newDir, file), 'utf8'));
  ok = true;
} catch (e) {
  process.stderr.write(`demo: ${e.message}\n`);
  for (const f of existsSync(join(dir, 'logs')) ? readdirSync(join(dir, 'logs')) : []) {
    const text = readFileSync(join(dir, 'logs', f), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-5)
      .join('\n');
    if (text) process.stderr.write(`--- ${f}\n${text}\n`);
  }
} finally {
  step('poste stack down');
  const down = poste(['stack', 'down', '--data', dir]);
  process.stdout.write(down.stdout + down.stderr);
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = ok ? 0 : 1;
