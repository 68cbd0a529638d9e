#!/usr/bin/env node
// The submission service as a program of its own: `node main.mjs --config FILE [--check] [--no-sandbox]`,
// the same as `poste serve submission`. scripts/bundle.mjs makes dist/bundle/submission.mjs of it.
import { serveMain } from '../../dist/cli/run/serve.js';
import { submissionService } from '../../dist/services/submission/index.js';

process.exitCode = await serveMain(process.argv.slice(2), submissionService, process.argv[1]);
