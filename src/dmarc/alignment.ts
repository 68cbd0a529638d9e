// Identifier Alignment (RFC 9989 §3.2.10, §4.4, §4.10.2): strict means the same name
// (case-insensitive); relaxed means the same Organizational Domain, each found by its own
// Tree Walk. The walks are skipped where §4.10.2 says they are not needed.
import { organizationalDomain } from './orgdomain.js';
import type { AlignmentMode } from './record.js';
import type { DmarcDns } from './walk.js';

export type AlignmentOutcome =
  | {
      aligned: boolean;
      /** With relaxed alignment of two different names: the Organizational Domains compared. */
      authorOrgDomain?: string | undefined;
      identifierOrgDomain?: string | undefined;
    }
  | { error: string };

/** Whether `identifier` aligns with `author` (both normalized) in the given mode. */
export async function checkAlignment(
  author: string,
  identifier: string,
  mode: AlignmentMode,
  dns: DmarcDns,
): Promise<AlignmentOutcome> {
  if (author === identifier) return { aligned: true };
  if (mode === 'strict') return { aligned: false };
  const [a, b] = await Promise.all([
    organizationalDomain(author, dns),
    organizationalDomain(identifier, dns),
  ]);
  if (a.kind === 'temperror') return { error: a.reason };
  if (b.kind === 'temperror') return { error: b.reason };
  return {
    aligned: a.orgDomain === b.orgDomain,
    authorOrgDomain: a.orgDomain,
    identifierOrgDomain: b.orgDomain,
  };
}
