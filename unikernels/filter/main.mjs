#!/usr/bin/env node
// The filter service as a program of its own: `node main.mjs --config FILE [--check] [--no-sandbox]`,
// the same as `poste serve filter`. scripts/bundle.mjs makes dist/bundle/filter.mjs of it.
import { serveMain } from '../../dist/cli/run/serve.js';
import { filterService } from '../../dist/services/filter/index.js';

process.exitCode = await serveMain(process.argv.slice(2), filterService, process.argv[1]);
