// The one way tests reach ../shared/testdata (conformance data from other projects, never
// copied into this repository). Absent data skips the suite with a visible notice, unless
// POSTE_REQUIRE_TESTDATA=1 (set by .ci/run), under which its absence fails the run.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function testdataRoot(): string {
  return process.env.POSTE_TESTDATA
    ? resolve(process.env.POSTE_TESTDATA)
    : resolve(repoRoot, '..', 'shared', 'testdata');
}

/** Absolute path of a file or folder under the testdata root, or undefined when absent. */
export function testdataPath(...parts: string[]): string | undefined {
  const p = join(testdataRoot(), ...parts);
  if (existsSync(p)) return p;
  if (process.env.POSTE_REQUIRE_TESTDATA === '1') {
    throw new Error(`testdata required (POSTE_REQUIRE_TESTDATA=1) but missing: ${p}`);
  }
  return undefined;
}

export function readTestdata(...parts: string[]): Buffer {
  const p = testdataPath(...parts);
  if (p === undefined) throw new Error(`testdata missing: ${parts.join('/')}`);
  return readFileSync(p);
}

/**
 * A describe block that needs testdata at `parts`: skipped with a notice when it is absent
 * (and POSTE_REQUIRE_TESTDATA is not set), so `npm test` passes on a fresh clone.
 */
export function describeWithTestdata(name: string, parts: string[], fn: (dir: string) => void): void {
  const p = testdataPath(...parts);
  if (p === undefined) {
    process.stderr.write(
      `notice: skipping "${name}": testdata ${parts.join('/')} not found (set POSTE_TESTDATA)\n`,
    );
    describe.skip(name, () => {});
    return;
  }
  describe(name, () => fn(p));
}
