// The corpus: message i of seed S is a function of (S, i) alone — the same bytes whether it
// is generated alone or within any range — so workers can split a range freely. (mbox
// writing and reading: mbox.ts.)
import { type MessageSpec, messageSpec, randomFor, wildSpec } from './arbitraries.js';
import { renderMessage } from './render.js';

export interface GenerateOptions {
  /** Wild messages (obsolete and broken forms) instead of valid ones. */
  wild?: boolean;
  /** Index of the first message (default 0). */
  start?: number;
}

/** Wild messages draw from another stream than valid ones of the same seed and index. */
const WILD_SALT = 0x57494c44;

/**
 * The spec of message `index` for `seed`: one draw of the arbitrary from a PRNG seeded with
 * (seed, index) — no runner. (Measured: fc.sample adds ~0.25 ms of runner setup per call,
 * more than a whole message costs; batching fc.sample by 100 still costs more, and would tie
 * a message to its batch.)
 */
export function messageSpecAt(seed: number, index: number, opts: { wild?: boolean } = {}): MessageSpec {
  const arb = opts.wild ? wildSpec() : messageSpec();
  return arb.generate(randomFor(seed, index, opts.wild ? WILD_SALT : 0), undefined).value;
}

/** Message `index` for `seed`, as bytes. */
export function generateMessage(seed: number, index: number, opts: { wild?: boolean } = {}): Uint8Array {
  return renderMessage(messageSpecAt(seed, index, opts));
}

/** Messages start .. start + count - 1 for `seed`. */
export function* generateMessages(
  count: number,
  seed: number,
  opts: GenerateOptions = {},
): Generator<Uint8Array> {
  const start = opts.start ?? 0;
  for (let i = 0; i < count; i++) yield generateMessage(seed, start + i, opts);
}

/** The maildir file name of message `index` (a new message, no flags): `<index>.<seed>.poste:2,`. */
export function maildirName(index: number, seed: number): string {
  return `${index}.${seed}.poste:2,`;
}
