// `poste descr --json` against Python's email package (policy.default), message by message,
// over the MIME corpora in ../shared/testdata/mime: the same tree, media types, encodings,
// dispositions, file names, and decoded bytes (size and SHA-256) of every leaf.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeWithTestdata } from '../helpers/testdata.js';
import { compareTrees, describeBytes, type PyPart, unclosed } from './compare.js';
import { filesUnder, requirePeer, runPython } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Deliberate differences, by file: what Python does, what we do, and why.
 * Keep this short; every entry is a decision.
 */
const DOUBLED =
  'doubled delimiter lines: RFC 2046 §5.1.1 allows an empty body part between them and we keep it; ' +
  'Python merges them (and so reads a close delimiter right after a delimiter as a doubled one)';
const SPACE_BOUNDARY =
  'a boundary ending in spaces (illegal, RFC 2046 §5.1.1 bcharsnospace): a line with one space less is ' +
  "text, as mime4j's expectation says; Python strips trailing whitespace from the line first";
const ENCODED_MESSAGE =
  'message/rfc822 sent base64-encoded (forbidden by RFC 2046 §5.2.1): we keep it as a leaf whose decoded ' +
  'bytes are the message; Python parses the base64 text itself as a header';
const OBS_COLON =
  'whitespace before the colon of a field name (RFC 5322 §4.5 obs-optional): we read the field; Python ' +
  'takes the line for body text';
const LATIN1_HEADER = '8-bit Latin-1 in a header: we read it as Latin-1, Python substitutes U+FFFD';
const SAME_BOUNDARY =
  'nested multiparts with the same (or an overlapping) boundary: the innermost claims the delimiter, as ' +
  'Stalwart does; Python gives it to the outermost';
const WORDS_IN_PARAMS =
  'RFC 2047 encoded words in a parameter value (not standard, but what senders mean and clients show): ' +
  'we decode them; Python keeps them literally or gives up on the value';
const CTE_WHITESPACE =
  'Content-Transfer-Encoding with trailing whitespace or a stray CR: we decode it; Python does not ' +
  'recognise the encoding and returns the raw body';

const BOUNDARY_PREFIX =
  'a line that starts with "--boundary" and goes on with other text: a delimiter for us, as the ' +
  "note to implementors of RFC 2046 §5.1.1 says (and mime4j, Stalwart, Dovecot do); Python's " +
  'email wants only whitespace after the boundary';

const KNOWN: Record<string, string> = {
  'mime4j/testmsgs/ending-boundaries.msg': BOUNDARY_PREFIX,
  'stalwart-mail-parser/eml/malformed/004.eml': BOUNDARY_PREFIX,
  'mime4j/mimetools-testmsgs/2002_06_12_doublebound.msg': DOUBLED,
  'mime4j/mimetools-testmsgs/double-bound.msg': DOUBLED,
  'mime4j/testmsgs/multipartemptypart.msg': DOUBLED,
  'stalwart-mail-parser/eml/malformed/000.eml': DOUBLED,
  'mime4j/testmsgs/very-long-boundary.msg': SPACE_BOUNDARY,
  'mime4j/testmsgs/very-very-long-boundary.msg': SPACE_BOUNDARY,
  'mime4j/testmsgs/weird-boundary.msg': SPACE_BOUNDARY,
  'mime4j/mimetools-testmsgs/multi-2gifs-base64.msg': ENCODED_MESSAGE,
  'mime4j/testmsgs/bad-newlines-multiple-parts-base64.msg': ENCODED_MESSAGE,
  'mime4j/testmsgs/base64encoded-rfc822message.msg': ENCODED_MESSAGE,
  'mime4j/testmsgs/base64encoded-rfc822message-nested.msg': ENCODED_MESSAGE,
  'stalwart-mail-parser/eml/rfc/008.eml': ENCODED_MESSAGE,
  'mime4j/testmsgs/obsolete.msg': OBS_COLON,
  'stalwart-mail-parser/eml/malformed/019.eml': OBS_COLON,
  'stalwart-mail-parser/eml/legacy/016.eml': LATIN1_HEADER,
  'stalwart-mail-parser/eml/legacy/023.eml': LATIN1_HEADER,
  'stalwart-mail-parser/eml/legacy/026.eml': LATIN1_HEADER,
  'stalwart-mail-parser/eml/malformed/003.eml': SAME_BOUNDARY,
  'stalwart-mail-parser/eml/malformed/005.eml': SAME_BOUNDARY,
  'stalwart-mail-parser/eml/malformed/013.eml': SAME_BOUNDARY,
  'mime4j/mimetools-testmsgs/multi-2evil.msg': WORDS_IN_PARAMS,
  'mime4j/mimetools-testmsgs/russian.msg': WORDS_IN_PARAMS,
  'mime4j/testmsgs/russian-headers.msg': WORDS_IN_PARAMS,
  'stalwart-mail-parser/eml/malformed/017.eml':
    'a Content-Type without the ";" before its parameter: we read the boundary (with a defect); Python ' +
    'makes the whole line the media type',
  'mime4j/mimetools-testmsgs/twopart.msg': CTE_WHITESPACE,
  'stalwart-mail-parser/eml/thirdparty/003.eml': CTE_WHITESPACE,
};

describeWithTestdata('descr agrees with Python email', ['mime'], (dir) => {
  if (!requirePeer('/usr/bin/python3')) return;
  const files = filesUnder(dir, /\.(eml|msg)$/i).filter((f) => !f.includes('/partial/'));
  const py = new Map<string, { root?: PyPart; error?: string }>();
  for (const line of runPython(join(here, 'py/describe.py'), files.join('\n')).trim().split('\n')) {
    const o = JSON.parse(line);
    py.set(o.file, o);
  }

  it(`covers the corpus (${files.length} messages)`, () => {
    expect(files.length).toBeGreaterThan(150);
    expect(py.size).toBe(files.length);
    // Every message is compared: none may drop out because Python could not read it.
    expect([...py.entries()].filter(([, o]) => !o.root).map(([f, o]) => `${f}: ${o.error}`)).toEqual([]);
  });

  it('gives the same tree and decoded bytes, message by message', () => {
    const mismatches: string[] = [];
    let same = 0;
    for (const f of files) {
      const theirs = py.get(f);
      if (!theirs?.root) continue;
      const d = describeBytes(readFileSync(f));
      const diffs = compareTrees(d.root, theirs.root, unclosed(d.defects));
      const name = relative(dir, f);
      if (diffs.length === 0) same++;
      else if (!(name in KNOWN)) mismatches.push(`${name}\n    ${diffs.slice(0, 6).join('\n    ')}`);
    }
    process.stderr.write(
      `descr vs Python: ${same}/${files.length} identical, ${Object.keys(KNOWN).length} known differences\n`,
    );
    expect(mismatches).toEqual([]);
  });

  it('lists no stale known differences', () => {
    const stale = Object.keys(KNOWN).filter((name) => {
      const f = join(dir, name);
      const theirs = py.get(f);
      if (!theirs?.root) return false;
      const d = describeBytes(readFileSync(f));
      return compareTrees(d.root, theirs.root, unclosed(d.defects)).length === 0;
    });
    expect(stale).toEqual([]);
  });
});
