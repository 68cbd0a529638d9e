#!/usr/bin/env node
// The resolver service as a program of its own: `node main.mjs --config FILE [--check] [--no-sandbox]`,
// the same as `poste serve resolver`. scripts/bundle.mjs makes dist/bundle/resolver.mjs of it.
import { serveMain } from '../../dist/cli/run/serve.js';
import { resolverService } from '../../dist/services/resolver/definition.js';

process.exitCode = await serveMain(process.argv.slice(2), resolverService, process.argv[1]);
