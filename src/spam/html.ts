// HTML to text for the tokenizer: tags stripped, comments, scripts and styles dropped,
// entities decoded, and the URLs of links and images kept apart. A linear scan (indexOf, no
// backtracking regex over the whole input), so hostile HTML costs time in proportion to its size.

// HTML 4 Latin-1 entities name the code points 160..255 in order.
const LATIN1_NAMES =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 ' +
  'sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc ' +
  'Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve ' +
  'Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute ' +
  'acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ' +
  'ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml';

const ENTITIES: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>([
    ['amp', '&'],
    ['lt', '<'],
    ['gt', '>'],
    ['quot', '"'],
    ['apos', "'"],
    ['euro', '€'],
    ['trade', '™'],
    ['hellip', '…'],
    ['mdash', '—'],
    ['ndash', '–'],
    ['lsquo', '‘'],
    ['rsquo', '’'],
    ['ldquo', '“'],
    ['rdquo', '”'],
    ['bull', '•'],
  ]);
  LATIN1_NAMES.split(' ').forEach((name, i) => {
    m.set(name, String.fromCharCode(160 + i));
  });
  return m;
})();

const ENTITY = /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,7});?/g;

/** Decodes character references; unknown names stay as written. */
export function decodeEntities(text: string): string {
  if (text.indexOf('&') < 0) return text;
  return text.replace(ENTITY, (whole, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      // NUL, surrogates and out-of-range references become U+FFFD, as browsers do.
      if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(cp);
    }
    return ENTITIES.get(ref) ?? ENTITIES.get(ref.toLowerCase()) ?? whole;
  });
}

export interface HtmlText {
  /** The visible text, entities decoded. */
  text: string;
  /** Values of href, src, action and background attributes, entities decoded. */
  urls: string[];
  /** Tag names seen (lower case), each once. */
  tags: Set<string>;
}

// Tags that sit inside words ("V<b></b>iagra") are removed without a space; others separate words.
const INLINE = new Set([
  'a',
  'b',
  'i',
  'u',
  's',
  'em',
  'strong',
  'font',
  'span',
  'small',
  'big',
  'sub',
  'sup',
]);
const URL_ATTR = /\b(?:href|src|action|background)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
const TAG_NAME = /^\/?([a-zA-Z][a-zA-Z0-9]*)/;

/** The text of an HTML document or fragment. Never throws; malformed markup is read as text. */
export function htmlToText(html: string): HtmlText {
  const out: string[] = [];
  const urls: string[] = [];
  const tags = new Set<string>();
  const n = html.length;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out.push(html.slice(i));
      break;
    }
    out.push(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      // Comments inside words are a classic evasion ("V<!-- x -->iagra"): drop them whole.
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    const c = html.charCodeAt(lt + 1);
    const tagLike = c === 0x2f || c === 0x21 || c === 0x3f || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
    const gt = tagLike ? html.indexOf('>', lt + 1) : -1;
    if (gt < 0) {
      // A lone "<" (or one never closed) is text.
      out.push('<');
      i = lt + 1;
      continue;
    }
    const tag = html.slice(lt + 1, gt);
    const name = TAG_NAME.exec(tag)?.[1]?.toLowerCase();
    if (name !== undefined) {
      tags.add(name);
      for (const m of tag.matchAll(URL_ATTR)) urls.push(decodeEntities(m[1] ?? m[2] ?? m[3] ?? ''));
      if ((name === 'script' || name === 'style') && tag[0] !== '/') {
        const close = new RegExp(`</${name}`, 'gi');
        close.lastIndex = gt + 1;
        const m = close.exec(html);
        const end = m ? html.indexOf('>', m.index) : -1;
        i = end < 0 ? n : end + 1;
        out.push(' ');
        continue;
      }
    }
    if (name === undefined || !INLINE.has(name)) out.push(' ');
    i = gt + 1;
  }
  return { text: decodeEntities(out.join('')), urls, tags };
}
