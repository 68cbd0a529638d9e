// `poste send`: delivers the email on stdin straight to each recipient domain's mail hosts
// (RFC 5321 §5), with opportunistic STARTTLS; one line per recipient on stdout.
import { hostname } from 'node:os';
import { ConnectError, type DeliverOutcome, deliver } from '../../services/smtp-client/index.js';
import { type Address, formatAddress, mxRoute, replyText } from '../../smtp/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { readStdin, writeStdout } from '../io.js';
import { chooseResolver } from '../resolver-choice.js';
import { envelopeOf } from './submit.js';

export interface SendInput {
  flags: {
    dns?: string | undefined;
    zone?: string | undefined;
    port?: string | number | undefined;
    from?: string | undefined;
    to?: string[] | undefined;
    helo?: string | undefined;
    timeout?: string | number | undefined;
  };
}

type Status = 'sent' | 'refused' | 'deferred';

interface Line {
  rcpt: Address;
  status: Status;
  host: string;
  text: string;
}

export async function runSend({ flags }: SendInput): Promise<void> {
  const port = Number(flags.port ?? 25);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new CliError(EXIT.usage, `bad --port ${flags.port}`);
  const bytes = await readStdin();
  if (bytes.length === 0) throw new CliError(EXIT.noInput, 'no message on standard input');
  const env = envelopeOf(bytes, flags.from, flags.to);
  const { resolver } = await chooseResolver(flags);
  const byDomain = new Map<string, Address[]>();
  for (const r of env.recipients) {
    const k = r.domain.toLowerCase();
    byDomain.set(k, [...(byDomain.get(k) ?? []), r]);
  }
  const lines: Line[] = [];
  for (const [domain, rcpts] of byDomain) lines.push(...(await toDomain(domain, rcpts)));

  async function toDomain(domain: string, rcpts: Address[]): Promise<Line[]> {
    const all = (status: Status, host: string, text: string) =>
      rcpts.map((rcpt) => ({ rcpt, status, host, text }));
    let targets: { name: string; address: string }[];
    const literal = /^\[(?:IPv6:)?([^\]]+)\]$/i.exec(domain);
    if (literal) targets = [{ name: domain, address: literal[1] as string }];
    else {
      const route = await mxRoute(domain, resolver, Math.random);
      if (route.kind === 'null-mx')
        return all('refused', '-', `556 5.1.10 ${domain} accepts no mail (null MX)`);
      if (route.kind === 'none') return all('refused', '-', `550 5.1.2 ${route.reason}`);
      if (route.kind === 'temporary') return all('deferred', '-', `451 4.4.3 ${route.reason}`);
      targets = route.hosts.flatMap((h) => h.addresses.map((address) => ({ name: h.name, address })));
    }
    let last = 'no host answered';
    // RFC 5321 §5.1: try the hosts in order until one gives an answer that is not "try another".
    for (const t of targets) {
      const where = `${t.name}[${t.address}]`;
      let o: DeliverOutcome;
      try {
        o = await deliver({
          host: t.address,
          port,
          servername: literal ? undefined : t.name,
          tls: 'opportunistic',
          hostname: flags.helo ?? hostname(),
          from: env.from,
          recipients: rcpts,
          message: env.message,
          timeoutMs: Number(flags.timeout ?? 300) * 1000,
        });
      } catch (err) {
        last = `${where}: ${err instanceof ConnectError ? err.message : String(err)}`;
        continue;
      }
      if (o.failure) {
        const f = o.failure;
        const text = f.reply ? replyText(f.reply) : f.message;
        if (f.stage === 'mail' || (f.reply && f.reply.code >= 500)) return all('refused', where, text);
        last = `${where}: ${text}`;
        continue;
      }
      const r = o.result;
      if (!r) continue;
      if (r.mail.code >= 400) {
        if (r.mail.code >= 500) return all('refused', where, replyText(r.mail));
        last = `${where}: ${replyText(r.mail)}`;
        continue;
      }
      return r.recipients.map((x) => {
        const final = x.reply.code < 400 ? r.data : x.reply;
        const code = final?.code ?? 451;
        const status: Status = code < 400 ? 'sent' : code >= 500 ? 'refused' : 'deferred';
        return { rcpt: x.address, status, host: where, text: final ? replyText(final) : 'no reply' };
      });
    }
    return all('deferred', '-', last);
  }

  await writeStdout(
    lines.map((l) => `${formatAddress(l.rcpt)}\t${l.status}\t${l.host}\t${l.text}\n`).join(''),
  );
  if (lines.some((l) => l.status === 'deferred'))
    throw new CliError(EXIT.tempFail, 'some recipients deferred');
  if (lines.some((l) => l.status === 'refused')) throw new CliError(EXIT.verdict, 'some recipients refused');
}
