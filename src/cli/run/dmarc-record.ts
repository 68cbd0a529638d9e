// `poste dmarc record DOMAIN`: the DMARC policy that mail From DOMAIN meets, found by the DNS
// Tree Walk and read (RFC 9989 §4.10). Label-value lines, or JSON; exit 0 when a policy
// applies, 1 when none does, 75 when the DNS failed.
import { type DmarcRecord, lookupPolicy, normalizeDomain, type PolicyLookup } from '../../dmarc/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeStdout } from '../io.js';
import { chooseResolver } from '../resolver-choice.js';

export interface DmarcRecordInput {
  args: { domain?: string | undefined };
  flags: { dns?: string | undefined; zone?: string | undefined; json?: boolean | undefined };
}

const SOURCE = {
  author: 'the domain itself',
  organizational: 'its Organizational Domain',
  psd: 'its Public Suffix Domain',
};

export async function runDmarcRecord({ args, flags }: DmarcRecordInput): Promise<void> {
  const given = args.domain ?? '';
  const domain = normalizeDomain(given.replace(/^.*@/, ''));
  if (domain === undefined) throw new CliError(EXIT.usage, `not a domain name: ${JSON.stringify(given)}`);
  const r = await lookupPolicy(domain, {
    resolver: (await chooseResolver(flags, { wholeWorld: true })).resolver,
  });
  if (r.result === 'temperror') throw new CliError(EXIT.tempFail, `DNS error: ${r.reason}`);
  await writeStdout(flags.json ? `${JSON.stringify(toJson(r), null, 2)}\n` : formatLookup(r));
  if (r.result !== 'found') process.exitCode = EXIT.verdict;
}

/** The lookup as JSON: the parsed record without its raw tags, and the names asked. */
function toJson(r: PolicyLookup) {
  const { steps, record, ...rest } = r;
  return {
    ...rest,
    record: record && { ...record, tags: Object.fromEntries(record.tags) },
    walk: steps.map((s) => ({
      domain: s.domain,
      found: s.kind === 'record',
      ...(s.kind === 'error' ? { error: s.reason } : {}),
    })),
  };
}

/** Label-value lines, the verdict first. */
export function formatLookup(r: PolicyLookup): string {
  const lines: [string, string][] = [['domain', r.domain]];
  if (r.result === 'found' && r.applied) {
    const a = r.applied;
    const testing =
      a.testing && a.policy !== 'none' ? `; testing (t=y): a failing message gets ${a.onFail}` : '';
    lines.push(['policy', `${a.policy}, by ${a.tag}=${testing}`]);
  } else {
    lines.push(['policy', `none: ${r.reason}`]);
  }
  if (r.policyDomain !== undefined && r.policySource !== undefined)
    lines.push(['policy domain', `${r.policyDomain} (${SOURCE[r.policySource]})`]);
  if (r.orgDomain !== undefined) lines.push(['org domain', r.orgDomain]);
  if (r.authorExists === false) lines.push(['exists', `no: ${r.domain} is NXDOMAIN, so np= applies`]);
  if (r.recordText !== undefined) lines.push(['record', printable(r.recordText)]);
  if (r.record) lines.push(...recordLines(r.record));
  return `${lines.map(([k, v]) => `${`${k}:`.padEnd(15)}${v}`).join('\n')}\n`;
}

function recordLines(rec: DmarcRecord): [string, string][] {
  const out: [string, string][] = [];
  const tags = [`p=${rec.p ?? '-'}`, `sp=${rec.sp ?? '-'}`, `np=${rec.np ?? '-'}`];
  tags.push(`adkim=${rec.adkim[0]}`, `aspf=${rec.aspf[0]}`, `t=${rec.testing ? 'y' : 'n'}`, `psd=${rec.psd}`);
  out.push(['tags', tags.join(' ')]);
  out.push(['rua', rec.rua.join(', ') || '-']);
  out.push(['ruf', rec.ruf.length === 0 ? '-' : `${rec.ruf.join(', ')} (fo=${rec.fo.join(':')})`]);
  const historic = [
    rec.pct === undefined ? '' : `pct=${rec.pct}`,
    rec.ri === undefined ? '' : `ri=${rec.ri}`,
    rec.rf === undefined ? '' : `rf=${rec.rf.join(':')}`,
  ].filter(Boolean);
  if (historic.length > 0) out.push(['RFC 7489', historic.join(' ')]);
  for (const n of rec.notes) out.push(['note', printable(n)]);
  return out;
}

/** DNS text on a terminal: control characters shown as "?". */
function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, '?');
}
