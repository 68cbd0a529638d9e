// Maildir names (https://cr.yp.to/proto/maildir.html, with Courier/Dovecot's extensions):
// "time.M<usec>P<pid>Q<n>.host" for uniqueness, then ":2,FLAGS" once in cur/, the flags
// being ASCII letters in ASCII order.

export interface UniqueParts {
  /** Milliseconds since the epoch (a clock reading), plus microseconds within it. */
  ms: number;
  usec?: number;
  pid: number;
  /** A per-process counter: two deliveries in the same microsecond still differ. */
  seq: number;
  host: string;
}

/** The host part: "/" and ":" are the directory and info separators, escaped as the spec says. */
export function safeHost(host: string): string {
  return host.replace(/\//g, '\\057').replace(/:/g, '\\072') || 'localhost';
}

export function uniqueName(p: UniqueParts): string {
  const sec = Math.floor(p.ms / 1000);
  const usec = (p.ms % 1000) * 1000 + (p.usec ?? 0);
  return `${sec}.M${usec}P${p.pid}Q${p.seq}.${safeHost(p.host)}`;
}

/** The standard flags (maildir "2," semantics), and the lower-case keywords Dovecot adds. */
export const FLAG_NAMES: Readonly<Record<string, string>> = Object.freeze({
  D: 'draft',
  F: 'flagged',
  P: 'passed',
  R: 'replied',
  S: 'seen',
  T: 'trashed',
});

export interface NameInfo {
  /** The unique part (before ":"). */
  unique: string;
  /** Flags of a "2," info, sorted; empty when there is no info or another kind. */
  flags: string;
  /** The info as written, without the colon; undefined when none. */
  info: string | undefined;
}

export function parseName(name: string): NameInfo {
  const colon = name.indexOf(':');
  if (colon < 0) return { unique: name, flags: '', info: undefined };
  const info = name.slice(colon + 1);
  const flags = info.startsWith('2,') ? normalizeFlags(info.slice(2)) : '';
  return { unique: name.slice(0, colon), flags, info };
}

/** Unique, ASCII-sorted flag letters. */
export function normalizeFlags(flags: string): string {
  return [...new Set(flags.replace(/[^A-Za-z]/g, ''))].sort().join('');
}

export function withFlags(unique: string, flags: string): string {
  return `${unique}:2,${normalizeFlags(flags)}`;
}

/**
 * Applies a flag change: "+S" adds, "-S" removes, "=FS" or plain "FS" sets; several may
 * follow one another ("+S-T").
 */
export function changeFlags(current: string, change: string): string | undefined {
  let set = new Set(normalizeFlags(current));
  const re = /([+\-=]?)([A-Za-z]*)/y;
  let i = 0;
  if (!/^(?:[+\-=]?[A-Za-z]+)+$|^=$/.test(change)) return undefined;
  while (i < change.length) {
    re.lastIndex = i;
    const m = re.exec(change);
    if (!m || m[0] === '') break;
    const op = m[1] || '=';
    const letters = [...(m[2] as string)];
    if (op === '=') set = new Set(letters);
    else for (const l of letters) op === '+' ? set.add(l) : set.delete(l);
    i = re.lastIndex;
  }
  return normalizeFlags([...set].join(''));
}
