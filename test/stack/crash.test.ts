// Crash safety across the stack (issue 13): 1,000 messages flow from submission to the other
// domain's maildir while services are killed with SIGKILL at random moments and restarted by
// `poste stack up` (which restarts only what is down). Every message the client got a 250 for
// must arrive; duplicates are counted, each explained by SMTP's own window (RFC 5321 §6.1: a
// hop died after its next hop accepted but before it answered), and reported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crash, mailbox, message, stackUp, submit, type TestStack, until } from './helpers.js';

let t: TestStack;
beforeAll(() => {
  t = stackUp('poste-crash-');
}, 180_000);
afterAll(() => t?.down(), 60_000);

const VICTIMS = ['relay', 'receiver', 'filter', 'signer', 'submission', 'resolver', 'primary'] as const;

function idsIn(t: TestStack, who: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of mailbox(t, who)) {
    const id = /^Message-ID: <([^>]+)>/im.exec(m.toString('latin1'))?.[1];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('stack crash safety', () => {
  it('loses none of 1,000 messages while services are SIGKILLed and restarted', {
    timeout: 600_000,
  }, async () => {
    const total = 1000;
    const ambiguous = new Set<string>();
    let next = 0;
    let accepted = 0;
    const sendOne = async (id: string) => {
      for (let tries = 0; tries < 400; tries++) {
        try {
          const out = await submit(
            t,
            'ada@alpha.test',
            ['bob@beta.test'],
            message('ada@alpha.test', 'bob@beta.test', id, `Message ${id} of the crash test.\r\n`),
          );
          if (out.result?.data && out.result.data.code < 300) return;
          if (!out.result?.data) ambiguous.add(id);
        } catch {
          ambiguous.add(id);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${id} was never accepted`);
    };
    const worker = async () => {
      while (next < total) {
        const id = `crash-${next++}`;
        await sendOne(id);
        accepted++;
      }
    };
    const senders = Promise.all([worker(), worker(), worker(), worker()]);
    const kills: string[] = [];
    // Every service is killed at least once, in a random order.
    const order = [...VICTIMS].sort(() => Math.random() - 0.5);
    while (accepted < total && kills.length < 10) {
      await new Promise((r) => setTimeout(r, 1000 + Math.random() * 2000));
      if (accepted >= total) break;
      const victim = order[kills.length % order.length] as (typeof VICTIMS)[number];
      crash(t, victim);
      kills.push(victim);
      const up = t.run('stack', 'up', '--data', t.dir, '--detach');
      expect(up.status, up.stderr).toBe(0);
    }
    await senders;
    // The relay retries on its own; ask it to try now too.
    const relayPid = t.stack().services.relay.pid as number;
    await until(
      () => {
        try {
          process.kill(relayPid, 'SIGUSR2');
        } catch {
          // restarting
        }
        return idsIn(t, 'bob@beta.test').size >= total;
      },
      240_000,
      'every message in the maildir',
    );
    const counts = idsIn(t, 'bob@beta.test');
    const dupes = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    const fromClient = dupes.filter((id) => ambiguous.has(id.replace(/@.*/, '')));
    console.log(
      `stack crash test: ${total} messages, ${kills.length} kills (${kills.join(', ')}), ` +
        `${[...counts.values()].reduce((a, b) => a + b, 0)} copies delivered, ${dupes.length} duplicates ` +
        `(${fromClient.length} after a client resend with no reply; ${dupes.length - fromClient.length} from a hop's own window)`,
    );
    for (let i = 0; i < total; i++)
      expect(counts.get(`crash-${i}@stack.test`) ?? 0, `crash-${i}`).toBeGreaterThan(0);
    // Each kill can leave at most the transactions in flight through the killed hop.
    expect(dupes.length - fromClient.length).toBeLessThanOrEqual(kills.length * 8);
  });
});
