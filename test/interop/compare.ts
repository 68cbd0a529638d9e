// Comparing `poste descr --json` trees with what test/interop/py/describe.py prints for
// Python's email package.
import {
  createDescriber,
  createParser,
  type MessageDescription,
  type PartDescription,
} from '../../src/mime/index.js';

export interface PyPart {
  type: string;
  encoding: string;
  disposition: string | null;
  filename: string | null;
  size?: number;
  sha256?: string;
  sha256_rfc?: string;
  sha256_eol?: string[];
  parts?: PyPart[];
  opaque?: boolean;
}

/** Differences between our tree and Python's, as "path field: ours | python" lines. */
export function compareTrees(ours: PartDescription, py: PyPart, unclosed: boolean, path = '0'): string[] {
  const out: string[] = [];
  const diff = (field: string, a: unknown, b: unknown) => {
    if (a !== b) out.push(`${path} ${field}: ${JSON.stringify(a)} | ${JSON.stringify(b)}`);
  };
  // Python keeps a comment after a media type without parameters in the type itself
  // ("text/plain (generated)"); RFC 2045 §5.1 allows comments there.
  diff('type', ours.type, py.type.replace(/\s*\(.*\)\s*$/, ''));
  diff('encoding', ours.encoding, py.encoding);
  diff('disposition', ours.disposition, py.disposition);
  diff('filename', ours.filename, py.filename);
  if (py.opaque) return out; // a message/* Python parses and we keep as a leaf
  if (py.parts || ours.parts) {
    const a = ours.parts ?? [];
    const b = py.parts ?? [];
    diff('parts', a.length, b.length);
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      out.push(
        ...compareTrees(
          a[i] as PartDescription,
          b[i] as PyPart,
          unclosed,
          `${path === '0' ? '' : `${path}.`}${i + 1}`,
        ),
      );
    }
    return out;
  }
  const same =
    ours.sha256 === py.sha256 ||
    // RFC 2045 §6.7 (3): quoted-printable loses trailing whitespace before a line break.
    ours.sha256 === py.sha256_rfc ||
    // The line break before a missing close delimiter: we keep it, Python drops it.
    (unclosed && py.sha256_eol?.includes(ours.sha256 as string));
  if (!same) {
    diff('size', ours.size, py.size);
    out.push(`${path} sha256 differs`);
  }
  return out;
}

export function describeBytes(bytes: Uint8Array): MessageDescription {
  const d = createDescriber();
  const p = createParser(d);
  p.push(bytes);
  p.end();
  return d.result();
}

export function unclosed(defects: { code: string }[]): boolean {
  return defects.some((x) => x.code === 'missing-end-boundary');
}
