// The tokenizer: an email in, the set of its features out. It reads the decoded email —
// text and HTML parts after transfer and charset decoding, selected header fields with their
// names as prefixes, URL hosts, attachment types, and the oddities of its MIME structure —
// in the manner of SpamBayes' tokenizer, rebuilt on the streaming MIME parser.
//
// Work is bounded per email: raw bytes read (maxBytes), decoded bytes tokenized per part
// (maxPartBytes) and distinct tokens (maxTokens). An email past a cap is still classified on
// what was read, and the result says which cap was hit.
import {
  type BodyDecoder,
  createBodyDecoder,
  createParser,
  decodeCharset,
  decodeUnstructured,
  type Header,
  type MimeParser,
  mailboxes,
  type PartInfo,
  parseAddressList,
  parseContentDisposition,
} from '../mime/index.js';
import { htmlToText } from './html.js';

export interface TokenizerLimits {
  /** Raw bytes of the email read; the rest is not looked at. */
  maxBytes: number;
  /** Decoded bytes of one text part tokenized. */
  maxPartBytes: number;
  /** Distinct tokens kept per email. */
  maxTokens: number;
}

export const DEFAULT_TOKENIZER_LIMITS: Readonly<TokenizerLimits> = Object.freeze({
  maxBytes: 1 << 20,
  maxPartBytes: 256 * 1024,
  maxTokens: 8000,
});

export interface Tokens {
  /** Distinct tokens, in order of first appearance. */
  tokens: string[];
  /** Raw bytes read (at most maxBytes). */
  bytesRead: number;
  /** Which caps were hit: the email was tokenized only in part. */
  capped: { bytes: boolean; partBytes: boolean; tokens: boolean };
}

export interface Tokenizer {
  /** Feeds raw bytes; returns false once the byte cap is reached (further input is ignored). */
  update(chunk: Uint8Array): boolean;
  finish(): Tokens;
}

/** Tokenizes a whole email in one call. */
export function tokenize(email: Uint8Array, limits: Partial<TokenizerLimits> = {}): Tokens {
  const t = createTokenizer(limits);
  t.update(email);
  return t.finish();
}

// Words shorter than this carry little; longer ones are summarised (SpamBayes: 3..12).
const MIN_WORD = 3;
const MAX_WORD = 12;
const EDGE_PUNCT = /^[^\p{L}\p{N}$]+|[^\p{L}\p{N}$%]+$/gu;
const URL_IN_TEXT = /\b(https?|ftp):\/\/([^\s/?#<>"'()[\]]+)/gi;
const HOST_IN_TEXT = /\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b/gi;
const IPV4 = /\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b/g;
const WORD = /\S+/g;
// SpamAssassin's Generic Test for Unsolicited Bulk Email: a body holding it is spam, always.
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
/** The token of the GTUBE string (upper case: no word token can equal it). */
export const GTUBE_TOKEN = 'GTUBE';

export function createTokenizer(limits: Partial<TokenizerLimits> = {}): Tokenizer {
  const lim: TokenizerLimits = { ...DEFAULT_TOKENIZER_LIMITS, ...limits };
  const seen = new Set<string>();
  const capped = { bytes: false, partBytes: false, tokens: false };
  let bytesRead = 0;
  let finished = false;
  let sawHtml = false;
  let sawPlain = false;

  /** Adds a token; false once the token cap is reached (callers stop producing). */
  const add = (tok: string): boolean => {
    if (seen.size >= lim.maxTokens) {
      if (!seen.has(tok)) capped.tokens = true;
      return false;
    }
    seen.add(tok);
    return true;
  };
  const full = () => capped.tokens;

  function words(text: string, prefix: string, pairs = false): void {
    let prev = '';
    for (const m of text.matchAll(WORD)) {
      if (full()) return;
      const w = word(m[0], prefix);
      // Word pairs carry phrases ("click here", "to be removed") that single words do not.
      // (Wider windows, pairs with gaps, were tried: more correlated clues, more unsure.)
      if (pairs && w !== undefined) {
        if (prev !== '') add(`${prev} ${w}`);
        prev = w;
      }
    }
  }

  /** Adds the token of one word; returns the plain word when it was kept as such. */
  function word(raw: string, prefix: string): string | undefined {
    const w = raw.replace(EDGE_PUNCT, '').toLowerCase();
    const len = w.length;
    if (len < MIN_WORD) return undefined;
    if (len <= MAX_WORD) {
      add(prefix + w);
      return w;
    }
    const at = w.indexOf('@');
    if (at > 0 && w.indexOf('.', at) > 0) {
      add(`${prefix}email:${w.slice(at + 1)}`);
      return undefined;
    }
    // A long word says something through its first character and its length.
    add(`${prefix}skip:${w[0]} ${Math.floor(len / 10) * 10}`);
    return undefined;
  }

  function url(u: string): void {
    const m = /^\s*([a-z][a-z0-9+.-]*):\/*([^/?#\s]*)/i.exec(u);
    if (!m) return;
    add(`proto:${(m[1] as string).toLowerCase()}`);
    let host = (m[2] as string).toLowerCase();
    const atSign = host.lastIndexOf('@');
    if (atSign >= 0) {
      add('url:userinfo');
      host = host.slice(atSign + 1);
    }
    host = host.replace(/:\d*$/, '');
    if (host === '') return;
    if (/^[\d.]+$/.test(host)) {
      add('url:ip');
      return;
    }
    if (/%[0-9a-f]{2}/.test(host)) add('url:escaped-host');
    // The host and its parent domains, so "a.b.example.com" also counts for "example.com".
    const labels = host.split('.');
    add(`url:${host}`);
    for (let k = Math.max(1, labels.length - 3); k < labels.length - 1; k++)
      add(`url:.${labels.slice(k).join('.')}`);
  }

  function urlsInText(text: string): void {
    if (text.indexOf('://') < 0) return;
    for (const m of text.matchAll(URL_IN_TEXT)) {
      if (full()) return;
      url(`${m[1]}://${m[2]}`);
    }
  }

  function addresses(name: string, value: string): void {
    const list = mailboxes(parseAddressList(value).items);
    if (name !== 'from') add(`${name}:count:${Math.min(list.length, 10)}`);
    for (const mb of list.slice(0, 20)) {
      const at = mb.address.lastIndexOf('@');
      const domain = at < 0 ? '' : mb.address.slice(at + 1).toLowerCase();
      add(`${name}:addr:${domain}`);
      if (name === 'from' || name === 'reply-to')
        add(`${name}:user:${mb.address.slice(0, at).toLowerCase()}`);
      if (name === 'from' || name === 'to') {
        const display = mb.name;
        if (display === '') add(`${name}:noname`);
        else words(display, `${name}:name:`);
      }
    }
    if (list.length === 0) add(`${name}:none`);
  }

  function received(value: string): void {
    for (const m of value.matchAll(HOST_IN_TEXT)) add(`received:${m[0].toLowerCase()}`);
    for (const m of value.matchAll(IPV4)) {
      add(`received:${m[1]}.${m[2]}.${m[3]}`);
      add(`received:${m[1]}.${m[2]}`);
    }
  }

  function topHeader(header: Header): void {
    const counts = new Map<string, number>();
    for (const f of header.fields) {
      if (full()) return;
      const lower = f.name.toLowerCase();
      // Which fields are present (and how often) tells which software wrote the email.
      counts.set(f.name, (counts.get(f.name) ?? 0) + 1);
      const value = f.value;
      switch (lower) {
        case 'subject': {
          const d = decodeUnstructured(value);
          const enc = /=\?([^?]+)\?/.exec(value);
          if (enc) add(`subject:charset:${(enc[1] as string).toLowerCase()}`);
          words(d.text, 'subject:');
          urlsInText(d.text);
          const letters = d.text.replace(/[^\p{L}]/gu, '');
          if (letters.length >= 8 && letters === letters.toUpperCase()) add('subject:allcaps');
          if (/[!?$]{2,}/.test(d.text)) add('subject:punct-run');
          break;
        }
        case 'from':
        case 'to':
        case 'cc':
        case 'reply-to':
        case 'sender':
          addresses(lower, value);
          break;
        case 'received':
          received(value);
          break;
        case 'message-id': {
          const m = /@([^>\s]+)>?\s*$/.exec(value);
          add(m ? `message-id:@${(m[1] as string).toLowerCase()}` : 'message-id:invalid');
          break;
        }
        case 'x-mailer':
        case 'user-agent':
        case 'x-mimeole':
          add(`${lower}:${value.toLowerCase().replace(/\s+/g, ' ').slice(0, 40)}`);
          break;
        case 'date': {
          const tz = /([+-]\d{4}|[A-Z]{2,4})\s*(\([^)]*\))?\s*$/.exec(value);
          add(tz ? `date:tz:${tz[1]}` : 'date:tz:none');
          break;
        }
        case 'content-type':
        case 'content-transfer-encoding':
        case 'mime-version':
          break; // read as part structure below
        default:
          if (lower.startsWith('x-') || lower === 'organization' || lower === 'list-id')
            words(decodeUnstructured(value).text.slice(0, 200), `${lower}:`);
      }
    }
    for (const [name, n] of counts) add(`header:${name}:${Math.min(n, 5)}`);
  }

  function partTokens(info: PartInfo): void {
    add(`type:${info.type}`);
    if (info.encoding !== '7bit') add(`encoding:${info.encoding}`);
    const charset = info.params.charset;
    if (charset !== undefined) add(`charset:${charset.toLowerCase()}`);
    const cd = info.header.get('content-disposition');
    const disposition = cd === undefined ? undefined : parseContentDisposition(cd);
    if (disposition) add(`disposition:${disposition.disposition}`);
    const filename = disposition?.params.filename ?? info.params.name;
    if (filename !== undefined) {
      const dot = filename.lastIndexOf('.');
      add(
        `filename:ext:${
          dot < 0
            ? ''
            : filename
                .slice(dot + 1)
                .toLowerCase()
                .slice(0, 10)
        }`,
      );
    }
  }

  // The text leaf being read: its decoder and the decoded bytes kept so far.
  let current: { info: PartInfo; decoder: BodyDecoder; chunks: Uint8Array[]; size: number } | undefined;

  function keep(data: Uint8Array): void {
    if (!current || data.length === 0) return;
    const room = lim.maxPartBytes - current.size;
    if (data.length > room) capped.partBytes = true;
    const d = data.length > room ? data.subarray(0, room) : data;
    if (d.length === 0) return;
    // The parser and decoders hand out views valid only during the call.
    current.chunks.push(Uint8Array.prototype.slice.call(d));
    current.size += d.length;
  }

  function endText(): void {
    if (!current) return;
    const { info, decoder, chunks } = current;
    keep(decoder.finish());
    current = undefined;
    if (decoder.malformed) add(`encoding:malformed:${info.encoding}`);
    const bytes = Buffer.concat(chunks);
    let eightBit = 0;
    for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) eightBit++;
    if (eightBit > 0 && info.params.charset === undefined) add('charset:8bit-unlabelled');
    const decoded = decodeCharset(bytes, info.params.charset ?? 'us-ascii');
    if (decoded.unknownCharset !== undefined) add('charset:unknown');
    let text = decoded.text;
    if (info.type === 'text/html') {
      const h = htmlToText(text);
      for (const u of h.urls) {
        if (full()) break;
        url(u);
      }
      for (const t of ['img', 'form', 'script', 'iframe', 'table', 'font'])
        if (h.tags.has(t)) add(`html:${t}`);
      text = h.text;
    }
    if (text.includes(GTUBE)) add(GTUBE_TOKEN);
    urlsInText(text);
    words(text, '', true);
  }

  const parser: MimeParser = createParser({
    partStart(info) {
      if (full()) return;
      if (info.path === '') topHeader(info.header);
      partTokens(info);
      if (info.kind !== 'leaf') return;
      if (info.type === 'text/html') sawHtml = true;
      if (info.type === 'text/plain') sawPlain = true;
      const cd = info.header.get('content-disposition');
      const attached = cd !== undefined && /^\s*attachment/i.test(cd);
      if (info.type.startsWith('text/') && !attached)
        current = { info, decoder: createBodyDecoder(info.encoding), chunks: [], size: 0 };
    },
    body(info, data) {
      if (current?.info !== info || full()) return;
      if (current.size >= lim.maxPartBytes) {
        capped.partBytes = true;
        return;
      }
      keep(current.decoder.update(data));
    },
    partEnd(info) {
      if (current?.info === info && !full()) endText();
    },
    defect(d) {
      add(`defect:${d.code}`);
    },
  });

  return {
    update(chunk) {
      if (finished) throw new TypeError('tokenizer: update after finish');
      if (capped.bytes) return false;
      const room = lim.maxBytes - bytesRead;
      if (chunk.length > room) {
        capped.bytes = true;
        chunk = chunk.subarray(0, room);
      }
      bytesRead += chunk.length;
      if (chunk.length > 0) parser.push(chunk);
      return !capped.bytes;
    },
    finish() {
      if (finished) throw new TypeError('tokenizer: finish called twice');
      finished = true;
      parser.end();
      if (current && !full()) endText();
      if (sawHtml && !sawPlain) add('html:only');
      if (capped.bytes) add('size:capped');
      else add(`size:${bytesRead < 1024 ? 'tiny' : bytesRead < 10240 ? 'small' : 'large'}`);
      return { tokens: [...seen], bytesRead, capped };
    },
  };
}
