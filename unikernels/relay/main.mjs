#!/usr/bin/env node
// The relay service as a program of its own: `node main.mjs --config FILE [--check] [--no-sandbox]`,
// the same as `poste serve relay`. scripts/bundle.mjs makes dist/bundle/relay.mjs of it.
import { serveMain } from '../../dist/cli/run/serve.js';
import { relayService } from '../../dist/services/relay/definition.js';

process.exitCode = await serveMain(process.argv.slice(2), relayService, process.argv[1]);
