// The layering rules of docs/architecture.md, checked on the import graph: a library never
// imports a command, the CLI plumbing or process state; areas meet only through index.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map(
    (m) => m[1] as string,
  );
}

const APPLICATION = new Set(['commands', 'cli', 'services']);

describe('architecture', () => {
  const all = files(src);

  it('libraries import no command, CLI or service module', () => {
    const bad: string[] = [];
    for (const f of all) {
      const area = relative(src, f).split('/')[0] as string;
      if (APPLICATION.has(area)) continue;
      for (const spec of imports(f)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(src, resolve(dirname(f), spec)).split('/')[0] as string;
        if (APPLICATION.has(target)) bad.push(`${relative(root, f)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('areas import each other only through index.ts', () => {
    const bad: string[] = [];
    for (const f of all) {
      const area = relative(src, f).split('/')[0] as string;
      for (const spec of imports(f)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(src, resolve(dirname(f), spec));
        const targetArea = target.split('/')[0] as string;
        if (targetArea !== area && !APPLICATION.has(targetArea) && !/\/index\.js$/.test(target)) {
          bad.push(`${relative(root, f)} imports ${spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('libraries do not touch process state (argv, env, stdout, exit)', () => {
    const bad: string[] = [];
    for (const f of all) {
      const area = relative(src, f).split('/')[0] as string;
      if (APPLICATION.has(area)) continue;
      const text = readFileSync(f, 'utf8');
      if (/process\.(argv|env|stdout|stderr|stdin|exit)/.test(text)) bad.push(relative(root, f));
    }
    expect(bad).toEqual([]);
  });
});
