// Header fields (RFC 5322 §2.2): parsed from the raw block with each field's exact bytes kept,
// so an unmodified field re-serializes byte for byte; new or changed fields are written
// strictly (CRLF, folded at 78 columns, RFC 5322 §2.1.1).
import { headerString, latin1String, utf8Bytes } from './bytes.js';

export interface HeaderField {
  /** The name as written (case kept). */
  name: string;
  /** The unfolded value, leading and trailing whitespace removed; 8-bit bytes as UTF-8 or Latin-1. */
  value: string;
  /** The exact bytes of the field, line ending included; absent for fields we wrote. */
  raw?: Uint8Array;
}

/** An ordered list of header fields; names compare case-insensitively. */
export class Header {
  readonly fields: HeaderField[];

  constructor(fields: HeaderField[] = []) {
    this.fields = fields;
  }

  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const f of this.fields) if (f.name.toLowerCase() === lower) return f.value;
    return undefined;
  }

  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const out: string[] = [];
    for (const f of this.fields) if (f.name.toLowerCase() === lower) out.push(f.value);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replaces the first field of that name (keeping its place) and removes the others. */
  set(name: string, value: string): void {
    checkField(name, value);
    const lower = name.toLowerCase();
    const i = this.fields.findIndex((f) => f.name.toLowerCase() === lower);
    if (i < 0) {
      this.fields.push({ name, value });
      return;
    }
    this.fields[i] = { name, value };
    for (let j = this.fields.length - 1; j > i; j--) {
      if ((this.fields[j] as HeaderField).name.toLowerCase() === lower) this.fields.splice(j, 1);
    }
  }

  append(name: string, value: string): void {
    checkField(name, value);
    this.fields.push({ name, value });
  }

  prepend(name: string, value: string): void {
    checkField(name, value);
    this.fields.unshift({ name, value });
  }

  remove(name: string): void {
    const lower = name.toLowerCase();
    for (let j = this.fields.length - 1; j >= 0; j--) {
      if ((this.fields[j] as HeaderField).name.toLowerCase() === lower) this.fields.splice(j, 1);
    }
  }

  clone(): Header {
    return new Header(
      this.fields.map((f) =>
        f.raw ? { name: f.name, value: f.value, raw: f.raw } : { name: f.name, value: f.value },
      ),
    );
  }
}

/** A name or value that would break the header block is a programmer error (header injection). */
function checkField(name: string, value: string): void {
  if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name))
    throw new TypeError(`invalid header field name: ${JSON.stringify(name)}`);
  if (/[\r\n]/.test(value)) throw new TypeError(`header field value must not contain CR or LF: ${name}`);
}

// ftext (RFC 5322 §3.6.8): printable ASCII except ":"; we also accept a space before ":"
// (obs-optional, RFC 5322 §4.5) by trimming it.
function isFtext(b: number): boolean {
  return b >= 0x21 && b <= 0x7e && b !== 0x3a;
}

/**
 * The length of the field name if `line` starts a header field ("Name:"), else -1.
 * `line` is the bytes of one physical line.
 */
export function fieldNameLength(line: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && isFtext(line[i] as number)) i++;
  if (i === start) return -1;
  const nameEnd = i;
  while (i < end && (line[i] === 0x20 || line[i] === 0x09)) i++;
  return i < end && line[i] === 0x3a ? nameEnd - start : -1;
}

/**
 * A parsed field: its value is unfolded on first use (most fields of most messages are
 * never read). Assigning a value drops the raw bytes, so the field is written afresh.
 */
class ParsedField implements HeaderField {
  readonly name: string;
  raw: Uint8Array | undefined;
  private readonly colon: number;
  private cached: string | undefined;

  constructor(name: string, raw: Uint8Array, colon: number) {
    this.name = name;
    this.raw = raw;
    this.colon = colon;
  }

  get value(): string {
    if (this.cached === undefined) this.cached = unfold((this.raw as Uint8Array).subarray(this.colon + 1));
    return this.cached;
  }

  set value(v: string) {
    this.cached = v;
    this.raw = undefined;
  }

  toJSON(): { name: string; value: string } {
    return { name: this.name, value: this.value };
  }
}

/** Builds a field from its exact bytes (one line plus its continuation lines). */
export function fieldFromRaw(raw: Uint8Array, nameLength: number): HeaderField {
  const name = latin1String(raw.subarray(0, nameLength));
  let i = nameLength;
  while (raw[i] !== 0x3a) i++;
  return new ParsedField(name, raw, i);
}

/** RFC 5322 §2.2.3: unfolding removes each CRLF (or bare LF) that precedes whitespace. */
export function unfold(bytes: Uint8Array): string {
  let s = headerString(bytes);
  if (s.indexOf('\n') >= 0) s = s.replace(/\r?\n(?=[ \t])/g, '').replace(/\r?\n$/, '');
  return s.replace(/^[ \t]+|[ \t\r\n]+$/g, '');
}

export const MAX_LINE = 78;
export const HARD_MAX_LINE = 998;

/**
 * Writes "Name: value" folded at whitespace so that lines stay within 78 columns where the
 * value allows it (RFC 5322 §2.1.1, §2.2.3). Unfolding gives back the value exactly. A word
 * longer than a line stays whole: callers encode unstructured text so that none is longer
 * than 998 (RFC 2047 words are short).
 */
export function foldField(name: string, value: string, maxLine = MAX_LINE): string {
  const first = `${name}: `;
  if (first.length + value.length <= maxLine && value.indexOf('\n') < 0) return `${first}${value}\r\n`;
  let out = `${name}:`;
  let col = out.length;
  let i = 0;
  const n = value.length;
  while (i < n) {
    // The next unit: a run of whitespace followed by a run of non-whitespace. The first
    // unit gets the space after the colon, so a long first word may go to the next line.
    let j = i;
    while (j < n && (value[j] === ' ' || value[j] === '\t')) j++;
    let k = j;
    while (k < n && value[k] !== ' ' && value[k] !== '\t') k++;
    const ws = i === 0 ? ` ${value.slice(i, j)}` : value.slice(i, j);
    const word = value.slice(j, k);
    if (col + ws.length + word.length > maxLine && ws.length > 0) {
      // Fold inside the whitespace (RFC 5322 §2.2.3): what fits stays at the end of this
      // line, at least one space starts the next, so a long run does not overflow it.
      const keep = Math.max(0, Math.min(ws.length - 1, maxLine - col));
      out += `${ws.slice(0, keep)}\r\n${ws.slice(keep)}${word}`;
      col = ws.length - keep + word.length;
    } else {
      out += ws + word;
      col += ws.length + word.length;
    }
    i = k;
  }
  return `${out}\r\n`;
}

/** The bytes of a field: its raw bytes when unmodified, else the folded form. */
export function fieldBytes(f: HeaderField): Uint8Array {
  return f.raw ?? utf8Bytes(foldField(f.name, f.value));
}
