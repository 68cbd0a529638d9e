// The message model: a tree of parts that keeps every byte it was parsed from, so an
// unmodified message serializes back exactly (DKIM needs it), while a changed header
// field or a new part is written strictly. Built by `parseMessage` (in memory) on top of
// the streaming parser; use the parser directly when a message must not be held in memory.
import { concatBytes } from './bytes.js';
import type { Defect } from './defects.js';
import type { Header } from './header.js';
import { createParser, type MimeHandler, type ParserLimits, type PartInfo, type PartKind } from './parser.js';

export class Part {
  header: Header;
  /** The blank line after the header; empty when the parsed part had none. */
  separator: Uint8Array;
  unixFrom?: Uint8Array;
  /** Media type in lower case as the parser resolved it (with RFC 2045 §5.2 defaults). */
  type: string;
  params: Record<string, string>;
  encoding: string;
  kind: PartKind;
  /** Leaf: the body as it is in the message (transfer-encoded). */
  body: Uint8Array;
  /** Multipart: text before the first delimiter and after the close delimiter. */
  preamble: Uint8Array;
  epilogue: Uint8Array;
  /** Multipart: the raw delimiter line before each part (undefined: write a fresh one). */
  delimiters: (Uint8Array | undefined)[];
  /** Multipart: the raw close delimiter; undefined when missing in a parsed message. */
  closeDelimiter: Uint8Array | undefined;
  /** Multipart: whether a close delimiter is written when none was parsed. */
  closed: boolean;
  /** Multipart children, or the one enclosed message of a message/rfc822 part. */
  parts: Part[];

  constructor(init: Partial<Part> & { header: Header }) {
    this.header = init.header;
    this.separator = init.separator ?? Uint8Array.of(0x0d, 0x0a);
    if (init.unixFrom) this.unixFrom = init.unixFrom;
    this.type = init.type ?? 'text/plain';
    this.params = init.params ?? {};
    this.encoding = init.encoding ?? '7bit';
    this.kind = init.kind ?? 'leaf';
    this.body = init.body ?? new Uint8Array(0);
    this.preamble = init.preamble ?? new Uint8Array(0);
    this.epilogue = init.epilogue ?? new Uint8Array(0);
    this.delimiters = init.delimiters ?? [];
    this.closeDelimiter = init.closeDelimiter;
    this.closed = init.closed ?? true;
    this.parts = init.parts ?? [];
  }

  get boundary(): string | undefined {
    return this.kind === 'multipart' ? this.params.boundary : undefined;
  }

  /** Depth-first walk with each part's path ("" for this part, then "1", "1.2", ...). */
  *walk(path = ''): Generator<[string, Part]> {
    yield [path, this];
    for (let i = 0; i < this.parts.length; i++) {
      yield* (this.parts[i] as Part).walk(path === '' ? String(i + 1) : `${path}.${i + 1}`);
    }
  }

  /**
   * The part at a path like "1.2" (indexes into `parts`, from 1). "" and "0" are this
   * part; "1" of a part without children is the part itself, as IMAP numbers a
   * single-part message's body (RFC 3501 §6.4.5).
   */
  at(path: string): Part | undefined {
    if (path === '' || path === '0') return this;
    let p: Part = this;
    for (const seg of path.split('.')) {
      if (!/^[1-9][0-9]*$/.test(seg)) return undefined;
      const i = Number(seg) - 1;
      if (p.parts.length === 0 && i === 0 && p === this && p.kind === 'leaf') return p;
      const next = p.parts[i];
      if (!next) return undefined;
      p = next;
    }
    return p;
  }
}

export interface ParsedMessage {
  root: Part;
  defects: Defect[];
}

/**
 * Builds the tree from parser events. With `copy: false` the tree keeps views of the input
 * instead of copies: right when the input is not modified afterwards (a Buffer read whole,
 * or chunks a stream hands over and never reuses).
 */
export function createTreeBuilder(opts: { copy?: boolean } = {}): MimeHandler & { result(): ParsedMessage } {
  const defects: Defect[] = [];
  const stack: { part: Part; chunks: Uint8Array[]; pre: Uint8Array[]; epi: Uint8Array[] }[] = [];
  let root: Part | undefined;
  const copy =
    opts.copy === false ? (d: Uint8Array) => d : (d: Uint8Array) => Uint8Array.prototype.slice.call(d);
  return {
    partStart(info: PartInfo) {
      const part = new Part({
        header: info.header,
        separator: copy(info.separator),
        type: info.type,
        params: info.params,
        encoding: info.encoding,
        kind: info.kind,
        closed: false,
      });
      // Header field raw bytes are views of the parser's buffer: own them.
      if (opts.copy !== false) for (const f of part.header.fields) if (f.raw) f.raw = copy(f.raw);
      if (info.unixFrom) part.unixFrom = copy(info.unixFrom);
      const parent = stack[stack.length - 1];
      if (parent) parent.part.parts.push(part);
      else root = part;
      stack.push({ part, chunks: [], pre: [], epi: [] });
    },
    body(_info, data) {
      (stack[stack.length - 1] as { chunks: Uint8Array[] }).chunks.push(copy(data));
    },
    preamble(_info, data) {
      (stack[stack.length - 1] as { pre: Uint8Array[] }).pre.push(copy(data));
    },
    epilogue(_info, data) {
      (stack[stack.length - 1] as { epi: Uint8Array[] }).epi.push(copy(data));
    },
    delimiter(_info, data, close) {
      const top = stack[stack.length - 1] as { part: Part };
      if (close) {
        top.part.closeDelimiter = copy(data);
        top.part.closed = true;
      } else top.part.delimiters.push(copy(data));
    },
    partEnd() {
      const top = stack.pop();
      if (!top) return;
      top.part.body = concatBytes(top.chunks.length ? top.chunks : [new Uint8Array(0)]);
      top.part.preamble = concatBytes(top.pre.length ? top.pre : [new Uint8Array(0)]);
      top.part.epilogue = concatBytes(top.epi.length ? top.epi : [new Uint8Array(0)]);
    },
    defect(d: Defect) {
      defects.push(d);
    },
    result(): ParsedMessage {
      if (!root) throw new Error('parser produced no part');
      return { root, defects };
    },
  };
}

/**
 * Parses a whole message held in memory. Never throws for malformed input. The tree refers
 * to `bytes` (no copy): do not modify them while the tree is in use.
 */
export function parseMessage(bytes: Uint8Array, limits?: Partial<ParserLimits>): ParsedMessage {
  const builder = createTreeBuilder({ copy: false });
  const p = createParser(builder, limits);
  p.push(bytes);
  p.end();
  return builder.result();
}

/**
 * Parses a message from an async stream of chunks (the tree is held in memory). Pass
 * `copy: false` when the source never reuses a chunk's memory (Node's streams do not).
 */
export async function parseMessageStream(
  source: AsyncIterable<Uint8Array>,
  limits?: Partial<ParserLimits>,
  opts: { copy?: boolean } = {},
): Promise<ParsedMessage> {
  const builder = createTreeBuilder(opts);
  const p = createParser(builder, limits);
  for await (const chunk of source) p.push(chunk);
  p.end();
  return builder.result();
}
