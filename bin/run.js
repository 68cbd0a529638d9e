#!/usr/bin/env node
// Entry point of the `poste` command. A pipe stage pays for every millisecond spent here,
// so simple command lines skip loading oclif (src/cli/fast-path.ts); oclif handles the rest.
import { runFastPath } from '../dist/cli/fast-path.js';

if (!(await runFastPath(process.argv.slice(2), new URL('../oclif.manifest.json', import.meta.url)))) {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
