// The committed corpus (corpus/, see its README): every message round-trips on every run.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkMessage } from '../../src/corpus/roundtrip.js';
import { repoRoot } from '../helpers/run-cli.js';

function emails(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? emails(p) : n.endsWith('.eml') ? [p] : [];
  });
}

describe('corpus/', () => {
  const files = emails(join(repoRoot, 'corpus'));
  const readme = readFileSync(join(repoRoot, 'corpus/README.md'), 'utf8');

  it('has its hand-made edge cases, each described in corpus/README.md', () => {
    const edge = files.filter((f) => f.includes('/edge/'));
    expect(edge.length).toBeGreaterThanOrEqual(10);
    for (const f of edge) expect(readme).toContain(f.slice(f.lastIndexOf('/') + 1));
  });

  it('round-trips every message: bytes, and meaning through a fresh encoding', () => {
    const failures: string[] = [];
    for (const f of files) {
      const r = checkMessage(readFileSync(f));
      if (r.failure) failures.push(`${f.slice(repoRoot.length + 1)}: ${r.failure.kind}: ${r.failure.detail}`);
    }
    expect(failures).toEqual([]);
  });
});
