#!/usr/bin/env node
// The acme service as a program of its own: `node main.mjs --config FILE [--check] [--no-sandbox]`,
// the same as `poste serve acme`. scripts/bundle.mjs makes dist/bundle/acme.mjs of it.
import { serveMain } from '../../dist/cli/run/serve.js';
import { acmeService } from '../../dist/services/acme/definition.js';

process.exitCode = await serveMain(process.argv.slice(2), acmeService, process.argv[1]);
