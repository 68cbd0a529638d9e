#!/usr/bin/env node
// The receiver service as a program of its own: `node main.mjs --config FILE [--check] [--no-sandbox]`,
// the same as `poste serve receiver`. scripts/bundle.mjs makes dist/bundle/receiver.mjs of it.
import { serveMain } from '../../dist/cli/run/serve.js';
import { receiverService } from '../../dist/services/receiver/index.js';

process.exitCode = await serveMain(process.argv.slice(2), receiverService, process.argv[1]);
