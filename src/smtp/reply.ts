// SMTP replies (RFC 5321 §4.2): a three-digit code, an optional enhanced status code
// (RFC 3463, announced by ENHANCEDSTATUSCODES, RFC 2034) and one or more text lines.
// Formatting is strict; parsing is lenient and streaming, with bounded buffers.

export interface Reply {
  code: number;
  /** "2.1.0"; omitted when the peer sent none or for the greeting (RFC 2034 §3). */
  enhanced?: string | undefined;
  lines: string[];
}

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

export function reply(code: number, enhanced: string | undefined, ...lines: string[]): Reply {
  return { code, enhanced, lines: lines.length ? lines : [''] };
}

/** The wire form: "250-first\r\n250 last\r\n", each line carrying the enhanced code. */
export function formatReply(r: Reply): Uint8Array {
  const lines = r.lines.length ? r.lines : [''];
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const sep = i === lines.length - 1 ? ' ' : '-';
    // A reply line must not break the framing, whatever a caller put in the text.
    const text = (lines[i] as string).replace(/[\r\n]+/g, ' ');
    const body = r.enhanced ? (text ? `${r.enhanced} ${text}` : r.enhanced) : text;
    out += `${r.code}${sep}${body}`.trimEnd();
    out += '\r\n';
  }
  return Buffer.from(out, 'utf8');
}

export function replyText(r: Reply): string {
  return `${r.code}${r.enhanced ? ` ${r.enhanced}` : ''} ${r.lines.join(' / ')}`.trim();
}

export type ReplyClass = 'positive' | 'intermediate' | 'transient' | 'permanent';

export function replyClass(code: number): ReplyClass {
  if (code < 300) return 'positive';
  if (code < 400) return 'intermediate';
  return code < 500 ? 'transient' : 'permanent';
}

export interface ReplyParserLimits {
  /** Longest reply line kept (longer ones are cut); RFC 5321 §4.5.3.1.5 says 512. */
  maxLine: number;
  /** Most lines in one reply; past it the reply is flagged malformed. */
  maxLines: number;
}

export type ParsedReply = Reply | { malformed: string };

/**
 * Splits a stream of bytes into replies. `enhanced` tells whether to look for enhanced
 * codes (only once the server announced them: otherwise "2.0.0" is just text).
 */
export class ReplyParser {
  #buf = '';
  #cur: { code: number; lines: string[] } | undefined;
  #decoder = new TextDecoder('utf-8');
  readonly #limits: ReplyParserLimits;
  enhanced = false;

  constructor(limits: Partial<ReplyParserLimits> = {}) {
    this.#limits = { maxLine: 4096, maxLines: 100, ...limits };
  }

  push(chunk: Uint8Array): ParsedReply[] {
    this.#buf += this.#decoder.decode(chunk, { stream: true });
    const out: ParsedReply[] = [];
    for (;;) {
      const nl = this.#buf.indexOf('\n');
      if (nl < 0) {
        if (this.#buf.length > this.#limits.maxLine) {
          this.#buf = '';
          this.#cur = undefined;
          out.push({ malformed: 'reply line too long' });
        }
        return out;
      }
      const line = this.#buf.slice(0, nl).replace(/\r$/, '');
      this.#buf = this.#buf.slice(nl + 1);
      const r = this.#line(line);
      if (r) out.push(r);
    }
  }

  #line(line: string): ParsedReply | undefined {
    const m = /^([2-5]\d\d)(?:([ -])(.*))?$/.exec(line);
    if (!m) {
      this.#cur = undefined;
      return { malformed: `not a reply line: ${line.slice(0, 80)}` };
    }
    const code = Number(m[1]);
    const more = m[2] === '-';
    const text = m[3] ?? '';
    if (this.#cur && this.#cur.code !== code) {
      this.#cur = undefined;
      return { malformed: `reply code changed within a reply: ${line.slice(0, 80)}` };
    }
    const cur = this.#cur ?? { code, lines: [] };
    cur.lines.push(text.slice(0, this.#limits.maxLine));
    if (more) {
      if (cur.lines.length >= this.#limits.maxLines) {
        this.#cur = undefined;
        return { malformed: 'reply has too many lines' };
      }
      this.#cur = cur;
      return undefined;
    }
    this.#cur = undefined;
    return this.#finish(cur.code, cur.lines);
  }

  #finish(code: number, lines: string[]): Reply {
    if (!this.enhanced) return { code, lines };
    let enhanced: string | undefined;
    const stripped = lines.map((l) => {
      const sp = l.indexOf(' ');
      const head = sp < 0 ? l : l.slice(0, sp);
      const m = ENHANCED.exec(head);
      // RFC 3463 §2: the class digit matches the reply's first digit.
      if (m && m[1] === String(code)[0]) {
        enhanced ??= head;
        return sp < 0 ? '' : l.slice(sp + 1);
      }
      return l;
    });
    return enhanced ? { code, enhanced, lines: stripped } : { code, lines };
  }
}

export function isReply(r: ParsedReply): r is Reply {
  return 'code' in r;
}
