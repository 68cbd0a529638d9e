#!/usr/bin/env node
// The signer service as a program of its own: `node main.mjs --config FILE [--check] [--no-sandbox]`,
// the same as `poste serve signer`. scripts/bundle.mjs makes dist/bundle/signer.mjs of it.
import { serveMain } from '../../dist/cli/run/serve.js';
import { signerService } from '../../dist/services/signer/index.js';

process.exitCode = await serveMain(process.argv.slice(2), signerService, process.argv[1]);
