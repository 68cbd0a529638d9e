// bench/queue-backlog: the relay's scheduler with a backlog. A queue holding B messages that
// wait for a retry (a destination down for hours leaves tens of thousands) should not slow
// the delivery of new mail: the scheduler finds what is due in O(log n). Messages per
// second for N new messages, each queued and handed to the scheduler as the relay does,
// delivered by a transport that accepts at once (so the scheduler and the spool are all
// that is measured), with no backlog and with each backlog size, in the same run. Also the
// CPU time per message: on this VM a process that mostly waits for the file system's
// threads is woken late, so the wall-clock rate can move for reasons that are not ours.
// The spool is in a temporary directory, fsync off (the disk is not what is measured).
//
//   npm run build && node bench/queue-backlog.mjs [--messages 2000] [--backlog 10000,50000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const queueLib = await import(resolve(process.env.POSTE_DIST ?? resolve(here, '../dist'), 'queue/index.js'));

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const N = Number(arg('messages', 2000));
const BACKLOGS = [0, ...String(arg('backlog', '10000,50000')).split(',').map(Number)];
const MESSAGE = Buffer.from('From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nHello.\r\n');
const envelope = (to) => ({ from: 'a@example.org', recipients: [{ address: to }], arrived: Date.now() });

async function run(backlog) {
  const dir = mkdtempSync(join(tmpdir(), 'poste-backlog-'));
  try {
    const queue = new queueLib.MailQueue(dir, { fsync: false });
    await queue.open();
    const later = Date.now() + 86_400_000;
    for (let i = 0; i < backlog; i++) {
      const m = await queue.enqueue(envelope(`w${i}@down.example`), MESSAGE);
      await queue.writeStatus(m.id, { ...m.status, attempts: 1, nextAttempt: later });
      if (i % 5000 === 4999) process.stderr.write(`  backlog ${i + 1}/${backlog}\r`);
    }
    let delivered = 0;
    const sched = new queueLib.DeliveryScheduler({
      queue,
      hostname: 'relay.example.org',
      route: async () => ({
        kind: 'hosts',
        hosts: [{ host: 'mx.example.net', address: '127.0.0.1', port: 25 }],
      }),
      transport: async (req) => {
        delivered++;
        return {
          kind: 'done',
          recipients: Object.fromEntries(req.recipients.map((r) => [r, { code: 250, text: 'OK' }])),
          data: { code: 250, text: 'queued' },
        };
      },
    });
    await sched.start();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    // Arrivals as the relay's receiver makes them: each queued, then handed over, a few at once.
    for (let i = 0; i < N; i += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, N - i) }, async (_, k) =>
          sched.add(await queue.enqueue(envelope(`r${i + k}@example.net`), MESSAGE)),
        ),
      );
    }
    await sched.idle();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await sched.stop();
    if (delivered !== N) throw new Error(`delivered ${delivered} of ${N}`);
    return { rate: N / seconds, cpuMs: (cpu.user + cpu.system) / 1000 / N };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await run(0); // warm-up: the first run pays for compiling
const rates = [];
for (const b of BACKLOGS) rates.push([b, await run(b)]);
console.log(`## the scheduler with a backlog: ${N} new messages, accepted at once (fsync off)\n`);
console.log(
  '| messages waiting for a retry | new messages/s | × no backlog | CPU ms per message | × no backlog |\n|---:|---:|---:|---:|---:|',
);
const [, base] = rates[0];
for (const [b, r] of rates)
  console.log(
    `| ${b} | ${r.rate.toFixed(0)} | ${(r.rate / base.rate).toFixed(2)} | ${r.cpuMs.toFixed(3)} | ${(r.cpuMs / base.cpuMs).toFixed(2)} |`,
  );
