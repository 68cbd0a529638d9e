// The streaming MIME parser (RFC 2045, RFC 2046 §5, RFC 5322 §2), sans I/O: push bytes,
// receive events. Memory stays bounded whatever the message size: body bytes pass through
// as views of the input and only a possible delimiter line or an incomplete header block
// is held back. Malformed input never throws; it yields defects (as Python's email does)
// and the parse goes on. Every byte of the input lands in exactly one event, so the events
// re-serialize the message byte for byte.
import { latin1Bytes } from './bytes.js';
import { type Defect, type DefectCode, defect } from './defects.js';
import { fieldFromRaw, fieldNameLength, Header, type HeaderField } from './header.js';
import { parseContentType } from './params.js';

export interface ParserLimits {
  /** Bytes of one header block; beyond it the block is cut at a line end (defect). */
  maxHeaderBytes: number;
  /** Nesting depth of multiparts and enclosed messages; deeper ones are leaves (defect). */
  maxDepth: number;
  /** Parts in a message; further delimiters are read as body text (defect). */
  maxParts: number;
}

export const DEFAULT_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxHeaderBytes: 1 << 20,
  maxDepth: 64,
  maxParts: 10_000,
});

export type PartKind = 'leaf' | 'multipart' | 'message';

/** What the parser knows of a part once its header is read. */
export interface PartInfo {
  /** "" for the top level; "1.2" is the second part of the first part (indexes into `parts`). */
  path: string;
  depth: number;
  header: Header;
  /** The blank line that ended the header (empty when it was missing). */
  separator: Uint8Array;
  /** An mbox "From " line before the top-level header, kept apart. */
  unixFrom?: Uint8Array;
  /** Media type, lower case ("text/plain"), defaulted per RFC 2045 §5.2 and RFC 2046 §5.1.5. */
  type: string;
  params: Record<string, string>;
  /** Content-Transfer-Encoding, lower case, "7bit" when absent. */
  encoding: string;
  kind: PartKind;
  boundary?: string;
}

export interface MimeHandler {
  partStart?(part: PartInfo): void;
  /** Raw (still transfer-encoded) bytes of a leaf body; a view valid during the call. */
  body?(part: PartInfo, data: Uint8Array): void;
  preamble?(part: PartInfo, data: Uint8Array): void;
  /** A delimiter line with the line break before it (RFC 2046 §5.1.1) and its own. */
  delimiter?(part: PartInfo, data: Uint8Array, close: boolean): void;
  epilogue?(part: PartInfo, data: Uint8Array): void;
  partEnd?(part: PartInfo): void;
  defect?(d: Defect): void;
}

type State = 'header' | 'body' | 'preamble' | 'parts' | 'epilogue' | 'message';

interface Frame {
  path: string;
  depth: number;
  state: State;
  info?: PartInfo;
  /** "--" + boundary, for multiparts. */
  dash?: Uint8Array;
  children: number;
  /** Where the header scan stopped (relative to the frame's header start), to resume. */
  headerScan: number;
  defaultType: string;
}

interface Match {
  /** Start of the line break before the delimiter (or of the "--" at the start of content). */
  start: number;
  end: number;
  frame: number;
  close: boolean;
}

const DASH = 0x2d;
const LF = 0x0a;
const CR = 0x0d;
const NL_DASH = latin1Bytes('\n--');
const FROM_ = latin1Bytes('From ');
/** What may follow the boundary on a delimiter line (transport padding, or junk). */
const MAX_DELIMITER_LINE = 8192;

export interface MimeParser {
  push(chunk: Uint8Array): void;
  end(): void;
}

export function createParser(handler: MimeHandler, limits: Partial<ParserLimits> = {}): MimeParser {
  const lim: ParserLimits = { ...DEFAULT_LIMITS, ...limits };
  let buf: Buffer = Buffer.alloc(0);
  let pos = 0;
  /** True when `pos` starts a line whose preceding line break was consumed. */
  let atLineStart = true;
  let parts = 1;
  let ended = false;
  const stack: Frame[] = [newFrame('', 0, 'text/plain')];
  /** Indexes into `stack` of the multiparts whose delimiters can still appear, innermost last. */
  let active: number[] = [];

  function newFrame(path: string, depth: number, defaultType: string): Frame {
    return { path, depth, state: 'header', children: 0, headerScan: 0, defaultType };
  }

  function report(code: DefectCode, message: string, path: string): void {
    handler.defect?.(defect(code, message, path));
  }

  function refreshActive(): void {
    active = [];
    for (let i = 0; i < stack.length; i++) {
      const f = stack[i] as Frame;
      if (f.dash && (f.state === 'preamble' || f.state === 'parts')) active.push(i);
    }
  }

  /**
   * Looks for a delimiter line of an active multipart in buf[from..]. Returns the match,
   * 'more' when the data ends inside a possible delimiter (wait for more input), or null.
   */
  function findDelimiter(
    from: number,
    eof: boolean,
    before = Number.POSITIVE_INFINITY,
  ): Match | 'more' | null {
    if (active.length === 0) return null;
    let ls = -1;
    if (atLineStart && from === pos) ls = pos;
    for (;;) {
      if (ls < 0) {
        const nl = buf.indexOf(NL_DASH, from);
        if (nl + 1 >= before) return null;
        if (nl < 0) {
          // A final partial line may still become a delimiter: "\n-" or "\n" at the end.
          const tail = buf.length - from;
          if (!eof && tail > 0 && buf[buf.length - 1] === LF) return 'more';
          if (!eof && tail > 1 && buf[buf.length - 2] === LF && buf[buf.length - 1] === DASH) return 'more';
          if (!eof && atLineStart && from === pos && tail < 2 && (tail === 0 || buf[pos] === DASH))
            return 'more';
          return null;
        }
        ls = nl + 1;
      }
      const r = matchAt(ls, eof);
      if (r === 'more') return 'more';
      if (r) return r;
      from = ls; // an "\n--" right at `from` is still to be tried
      ls = -1;
    }
  }

  /**
   * Does a delimiter line start at `ls` (the position of its "--")? RFC 2046 §5.1.1, note to
   * implementors: the boundary must appear in its entirety at the start of the line; the
   * rest of the line does not matter ("--b--" closes). When several active boundaries
   * match, the longest wins (an outer "bb" is not an inner "b"), then the innermost.
   */
  function matchAt(ls: number, eof: boolean): Match | 'more' | null {
    const n = buf.length;
    let best = -1;
    let bestLength = -1;
    for (let a = active.length - 1; a >= 0; a--) {
      const fi = active[a] as number;
      const dash = (stack[fi] as Frame).dash as Uint8Array;
      const dl = dash.length;
      if (dl <= bestLength) continue;
      const avail = Math.min(dl, n - ls);
      let same = true;
      for (let k = 0; k < avail; k++) {
        if (buf[ls + k] !== dash[k]) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      if (avail < dl) {
        if (eof) continue;
        return 'more';
      }
      best = fi;
      bestLength = dl;
    }
    if (best < 0) return null;
    const i = ls + bestLength;
    if (i + 1 >= n && !eof && (i === n || buf[i] === DASH)) return 'more';
    const close = i + 1 < n && buf[i] === DASH && buf[i + 1] === DASH;
    // The line ends at its LF; a "line" that goes on and on is not a delimiter.
    const lf = buf.indexOf(LF, i);
    let end: number;
    if (lf >= 0 && lf - i <= MAX_DELIMITER_LINE) end = lf + 1;
    else if (lf < 0 && n - i <= MAX_DELIMITER_LINE) {
      if (!eof) return 'more';
      end = n;
    } else return null;
    let start = ls;
    if (!(atLineStart && ls === pos)) {
      start = ls - 1; // the LF
      if (start > pos && buf[start - 1] === CR) start--;
    }
    return { start, end, frame: best, close };
  }

  /** Content bytes buf[from..to) go to the innermost frame. */
  function emitContent(from: number, to: number): void {
    if (to <= from) return;
    const top = stack[stack.length - 1] as Frame;
    const info = top.info as PartInfo;
    const data = buf.subarray(from, to);
    switch (top.state) {
      case 'body':
        handler.body?.(info, data);
        break;
      case 'preamble':
        handler.preamble?.(info, data);
        break;
      case 'epilogue':
      case 'parts':
        // Text between the last part and a missing close delimiter cannot occur: a part is
        // always open in 'parts'. 'epilogue' is the normal case.
        handler.epilogue?.(info, data);
        break;
      default:
        break;
    }
  }

  function closeTop(): void {
    const f = stack.pop() as Frame;
    if (f.info) {
      if (f.state === 'preamble') {
        report(
          'missing-start-boundary',
          `multipart without any delimiter line (boundary "${f.info.boundary}")`,
          f.path,
        );
      } else if (f.state === 'parts') {
        report('missing-end-boundary', `multipart not closed (boundary "${f.info.boundary}")`, f.path);
      }
      handler.partEnd?.(f.info);
    }
    refreshActive();
  }

  /**
   * Where the header block of the top frame ends within buf[pos..): the position after its
   * blank line, or of the first line that is not a field; -1 while it may go on. Resumable.
   */
  function headerEnd(top: Frame): number {
    let i = pos + top.headerScan;
    const n = buf.length;
    while (i < n) {
      const nl = buf.indexOf(LF, i);
      if (nl < 0) break;
      const b = buf[i] as number;
      if (b === LF || (b === CR && nl === i + 1)) return nl + 1; // the blank line
      if (b !== 0x20 && b !== 0x09 && fieldNameLength(buf, i, nl + 1) < 0) {
        if (!(i === pos && top.depth === 0 && startsWith(i, FROM_))) return i; // not a field: body
      }
      i = nl + 1;
    }
    top.headerScan = i - pos;
    return -1;
  }

  /**
   * Reads the header block of the top frame from buf[pos..limit). Unless `final`, returns
   * false (consuming nothing) when the block may continue past `limit`.
   */
  function readHeader(limit: number, final: boolean): boolean {
    const top = stack[stack.length - 1] as Frame;
    if (!final) {
      if (limit - pos <= lim.maxHeaderBytes) return false;
      report('header-too-long', `header block over ${lim.maxHeaderBytes} bytes`, top.path);
      const cut = buf.lastIndexOf(LF, pos + lim.maxHeaderBytes);
      limit = cut > pos ? cut + 1 : pos + lim.maxHeaderBytes;
    }
    const fields: HeaderField[] = [];
    let unixFrom: Uint8Array | undefined;
    let separator: Uint8Array = new Uint8Array(0);
    let bodyStart = limit;
    let fieldStart = -1;
    let nameLen = 0;
    const flush = (end: number) => {
      if (fieldStart >= 0) fields.push(fieldFromRaw(buf.subarray(fieldStart, end), nameLen));
      fieldStart = -1;
    };
    let i = pos;
    while (i < limit) {
      const nl = buf.indexOf(LF, i);
      const lineEnd = nl < 0 || nl >= limit ? limit : nl + 1;
      const b = buf[i] as number;
      if (b === LF || (b === CR && buf[i + 1] === LF && i + 2 === lineEnd)) {
        separator = buf.subarray(i, lineEnd);
        bodyStart = lineEnd;
        break;
      }
      if (b === 0x20 || b === 0x09) {
        if (fieldStart < 0) {
          // A continuation with nothing to continue: kept as a nameless field.
          report('bad-header-line', 'continuation line without a field', top.path);
          fields.push({ name: '', value: '', raw: buf.subarray(i, lineEnd) });
        }
        i = lineEnd;
        continue;
      }
      const nlen = fieldNameLength(buf, i, lineEnd);
      if (nlen > 0) {
        flush(i);
        fieldStart = i;
        nameLen = nlen;
        i = lineEnd;
        continue;
      }
      if (i === pos && top.depth === 0 && startsWith(i, FROM_)) {
        unixFrom = buf.subarray(i, lineEnd); // an mbox separator line
        i = lineEnd;
        continue;
      }
      bodyStart = i; // not a header field: the body starts here
      break;
    }
    flush(Math.min(i, bodyStart));
    if (separator.length === 0 && bodyStart > pos && bodyStart < buf.length) {
      // RFC 5322 §2.1: a blank line separates the header from the body.
      report('missing-header-separator', 'the header ended without a blank line', top.path);
    }
    startPart(top, new Header(fields), separator, unixFrom);
    atLineStart = bodyStart === pos || buf[bodyStart - 1] === LF;
    pos = bodyStart;
    return true;
  }

  function startsWith(at: number, prefix: Uint8Array): boolean {
    if (at + prefix.length > buf.length) return false;
    for (let k = 0; k < prefix.length; k++) if (buf[at + k] !== prefix[k]) return false;
    return true;
  }

  function startPart(f: Frame, header: Header, separator: Uint8Array, unixFrom?: Uint8Array): void {
    const ctValue = header.get('content-type');
    let type = f.defaultType;
    let params: Record<string, string> = {};
    if (ctValue !== undefined) {
      const ct = parseContentType(ctValue);
      for (const d of ct.defects) report(d.code, d.message, f.path);
      type = `${ct.type}/${ct.subtype}`;
      params = ct.params;
    }
    // RFC 2045 §1 (erratum 2586): comments may follow any MIME field value; they mean nothing.
    const cte = header.get('content-transfer-encoding') ?? '7bit';
    const encoding =
      (cte.includes('(') ? cte.replace(/\([^()]*\)/g, ' ') : cte).trim().toLowerCase() || '7bit';
    let kind: PartKind = 'leaf';
    let boundary: string | undefined;
    if (type.startsWith('multipart/')) {
      boundary = params.boundary;
      if (boundary === undefined || boundary === '') {
        report('missing-boundary', `${type} without a boundary parameter`, f.path);
        boundary = undefined;
      } else kind = 'multipart';
    } else if (
      (type === 'message/rfc822' || type === 'message/global' || type === 'message/news') &&
      (encoding === '7bit' || encoding === '8bit' || encoding === 'binary')
    ) {
      kind = 'message';
    }
    if (kind !== 'leaf' && f.depth >= lim.maxDepth) {
      report('nesting-too-deep', `nesting deeper than ${lim.maxDepth}: read as a leaf`, f.path);
      kind = 'leaf';
    }
    const info: PartInfo = { path: f.path, depth: f.depth, header, separator, type, params, encoding, kind };
    if (boundary !== undefined && kind === 'multipart') info.boundary = boundary;
    if (unixFrom) info.unixFrom = unixFrom;
    f.info = info;
    handler.partStart?.(info);
    if (kind === 'multipart') {
      f.state = 'preamble';
      f.dash = latin1Bytes(`--${boundary}`);
      refreshActive();
    } else if (kind === 'message') {
      f.state = 'message';
      parts++;
      stack.push(newFrame(childPath(f.path, 1), f.depth + 1, 'text/plain'));
      f.children = 1;
    } else {
      f.state = 'body';
    }
  }

  function childPath(parent: string, index: number): string {
    return parent === '' ? String(index) : `${parent}.${index}`;
  }

  function onDelimiter(m: Match): void {
    // Everything inside the matched multipart ends here, innermost first.
    while (stack.length - 1 > m.frame) {
      const top = stack[stack.length - 1] as Frame;
      if (top.state === 'header') readHeader(m.start, true);
      closeTop();
    }
    const f = stack[m.frame] as Frame;
    const info = f.info as PartInfo;
    handler.delimiter?.(info, buf.subarray(m.start, m.end), m.close);
    pos = m.end;
    atLineStart = true;
    if (m.close) {
      f.state = 'epilogue';
      refreshActive();
      return;
    }
    f.state = 'parts';
    f.children++;
    parts++;
    const defaultType = info.type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
    stack.push(newFrame(childPath(f.path, f.children), f.depth + 1, defaultType));
    if (parts > lim.maxParts) {
      report('nesting-too-deep', `more than ${lim.maxParts} parts: the rest is read as text`, f.path);
      // Stop recognising delimiters: the remaining bytes belong to this last part.
      for (const fr of stack) fr.dash = undefined;
      refreshActive();
    }
  }

  function run(eof: boolean): void {
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Frame;
      if (top.state === 'header') {
        // A delimiter inside the header block ends the part early; look only there.
        const hend = headerEnd(top);
        const m = hend < 0 ? findDelimiter(pos, eof) : findDelimiter(pos, true, hend);
        if (m !== null && m !== 'more') readHeader(m.start, true);
        else if (hend >= 0) readHeader(hend, true);
        else if (!readHeader(buf.length, eof)) return;
        continue;
      }
      const m = findDelimiter(pos, eof);
      if (m === null) {
        // No delimiter ahead: emit all but a final CR that could begin one's line break.
        let safe = buf.length;
        if (!eof && active.length > 0 && buf[safe - 1] === CR) safe--;
        if (safe > pos) {
          emitContent(pos, safe);
          pos = safe;
          atLineStart = false;
        }
        return;
      }
      if (m === 'more') {
        // The buffer ends inside a possible delimiter line: keep it and its line break.
        let cut = buf.lastIndexOf(LF);
        if (cut < pos) cut = pos;
        else if (cut > pos && buf[cut - 1] === CR) cut--;
        if (cut > pos) {
          emitContent(pos, cut);
          pos = cut;
          atLineStart = false;
        }
        return;
      }
      emitContent(pos, m.start);
      onDelimiter(m);
    }
  }

  function compact(): void {
    if (pos > 0) {
      buf = buf.subarray(pos);
      pos = 0;
    }
  }

  return {
    push(chunk: Uint8Array): void {
      if (ended) throw new Error('push after end');
      if (chunk.length === 0) return;
      buf =
        pos >= buf.length
          ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
          : Buffer.concat([buf.subarray(pos), chunk]);
      pos = 0;
      run(false);
      compact();
    },
    end(): void {
      if (ended) return;
      ended = true;
      run(true);
      while (stack.length > 0) {
        const top = stack[stack.length - 1] as Frame;
        if (top.state === 'header') readHeader(buf.length, true); // e.g. an empty enclosed message
        closeTop();
      }
    },
  };
}

/** Parses a whole async stream of chunks with a handler. */
export async function parseStream(
  source: AsyncIterable<Uint8Array>,
  handler: MimeHandler,
  limits?: Partial<ParserLimits>,
): Promise<void> {
  const p = createParser(handler, limits);
  for await (const chunk of source) p.push(chunk);
  p.end();
}
