// The chain's verdict as an Authentication-Results method entry (RFC 8617 §10.1 registers
// "arc" with header.oldest-pass and smtp.remote-ip in IANA's Email Authentication Methods).
import { authResValue } from '../authres/index.js';
import type { ArcResult } from './types.js';

/** `arc=pass header.oldest-pass=0 smtp.remote-ip=192.0.2.1`; reason= when not pass. */
export function formatArcAuthResults(r: ArcResult, opts: { remoteIp?: string } = {}): string {
  const parts = [`arc=${r.cv}`];
  if (r.cv === 'fail') parts.push(`reason=${authResValue(r.reason)}`);
  if (r.cv === 'pass') parts.push(`header.oldest-pass=${r.oldestPass ?? 0}`);
  if (opts.remoteIp !== undefined) parts.push(`smtp.remote-ip=${authResValue(opts.remoteIp)}`);
  return parts.join(' ');
}
