// The round-trip check of one message (issue 3, after mrmime's isomorphism fuzzer):
//   1. parse never throws;
//   2. serializing the unmodified parse gives the input back, byte for byte;
//   3. a fresh strict encoding of the parsed meaning parses back to the same meaning
//      (model' = model);
//   4. that fresh encoding is well-formed: it parses with no structural defect.
import {
  bytesEqual,
  diffModels,
  fromModel,
  type Part,
  parseMessage,
  serialize,
  toModel,
} from '../mime/index.js';

export type FailureKind = 'throw' | 'bytes' | 'model' | 'invalid';

export interface RoundTripResult {
  /** What the message is made of, for per-kind counts. */
  kinds: string[];
  failure?: { kind: FailureKind; detail: string };
  /** The fresh encoding, when it was made (for failure reports). */
  reencoded?: Uint8Array;
}

/** Labels for the per-kind summary: top-level shape and the features inside. */
export function classify(root: Part): string[] {
  const kinds = new Set<string>();
  kinds.add(root.kind === 'multipart' ? 'multipart' : root.kind === 'message' ? 'message' : 'single-part');
  for (const [path, p] of root.walk()) {
    if (p.kind === 'message') kinds.add('message/rfc822');
    if (p.kind === 'multipart' && path.split('.').length >= 3) kinds.add('deep-nesting');
    if (p.kind === 'leaf' && (p.encoding === 'base64' || p.encoding === 'quoted-printable'))
      kinds.add(p.encoding);
    if (p.kind === 'leaf' && p.encoding === '8bit') kinds.add('8bit');
  }
  return [...kinds];
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

export function checkMessage(bytes: Uint8Array): RoundTripResult {
  let root: Part;
  try {
    root = parseMessage(bytes).root;
  } catch (e) {
    return { kinds: [], failure: { kind: 'throw', detail: `parse threw: ${(e as Error).message}` } };
  }
  const kinds = classify(root);
  const again = serialize(root);
  if (!bytesEqual(again, bytes)) {
    const at = firstDifference(again, bytes);
    return {
      kinds,
      failure: { kind: 'bytes', detail: `re-serialization differs at byte ${at} of ${bytes.length}` },
    };
  }
  let reencoded: Uint8Array | undefined;
  try {
    const model = toModel(root);
    reencoded = serialize(fromModel(model));
    const parsed = parseMessage(reencoded);
    const diff = diffModels(model, toModel(parsed.root));
    if (diff !== undefined) return { kinds, reencoded, failure: { kind: 'model', detail: diff } };
    if (parsed.defects.length > 0) {
      const d = parsed.defects[0];
      return {
        kinds,
        reencoded,
        failure: { kind: 'invalid', detail: `re-encoded message has defect ${d?.code}: ${d?.message}` },
      };
    }
  } catch (e) {
    return {
      kinds,
      ...(reencoded ? { reencoded } : {}),
      failure: { kind: 'throw', detail: `re-encoding threw: ${(e as Error).message}` },
    };
  }
  return { kinds };
}
