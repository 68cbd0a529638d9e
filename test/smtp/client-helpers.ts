// Re-exports for the client tests, plus the decoded body of a part.
import { decodedBody, type Part } from '../../src/mime/index.js';

export * from '../../src/smtp/index.js';

export function decodedBodyOf(p: Part | undefined): Uint8Array {
  if (!p) throw new Error('no such part');
  return decodedBody(p);
}
