#!/usr/bin/env node
// Entry point of the `poste` command. Kept tiny: every millisecond here is paid by
// each stage of a shell pipe.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
