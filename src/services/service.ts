// The contract every service meets, so that `poste serve NAME --config FILE` and
// `poste stack` can run any of the eight the same way: a schema for its config, a start
// function, and a running handle that says where it listens and what its state is.

import type { Schema } from './config.js';
import type { Logger } from './log.js';

export interface Listener {
  host: string;
  port: number;
  /** What speaks there: "smtp", "smtps", "dns", "http". */
  protocol: string;
}

export interface RunningService {
  /** Where it listens, by role ("smtp", "submissions", "dns", "metrics"...). */
  listeners: Record<string, Listener>;
  /** Counters and gauges for logs and Prometheus metrics (numbers), plus a few labels. */
  state(): Record<string, number | string | boolean>;
  /** Stops listening, finishes what is in progress, releases everything. */
  close(): Promise<void>;
}

export interface ServiceContext {
  log: Logger;
  /** Relative paths in the config are relative to this (the config file's directory). */
  baseDir: string;
}

export interface ServiceDefinition<C = unknown> {
  name: string;
  summary: string;
  schema: Schema;
  start(config: C, ctx: ServiceContext): Promise<RunningService>;
  /** Files and directories the service reads and writes (Node's permission model). */
  paths?(config: C, baseDir: string): { read: string[]; write: string[]; childProcess?: boolean };
}
