#!/usr/bin/env node
// The primary service as a program of its own: `node main.mjs --config FILE [--check] [--no-sandbox]`,
// the same as `poste serve primary`. scripts/bundle.mjs makes dist/bundle/primary.mjs of it.
import { serveMain } from '../../dist/cli/run/serve.js';
import { primaryService } from '../../dist/services/primary/definition.js';

process.exitCode = await serveMain(process.argv.slice(2), primaryService, process.argv[1]);
