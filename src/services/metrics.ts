// The optional HTTP listener of every service (`"metrics": "127.0.0.1:9100"` in its config),
// started by `poste serve`, never by the service itself: Prometheus text format at /metrics
// from RunningService.state(), and /health for `poste stack` and load balancers.
//
// A numeric value of the state is a gauge `poste_<service>_<key>` (camelCase keys become
// snake_case); string and boolean values are the labels of one `poste_<service>_info` gauge of
// value 1, as Prometheus does for build and version information.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from './log.js';
import type { Listener, RunningService } from './service.js';

export type State = Record<string, number | string | boolean>;

/** A Prometheus metric or label name: [a-zA-Z_][a-zA-Z0-9_]*, camelCase as snake_case. */
export function metricName(text: string): string {
  const snake = text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^a-zA-Z0-9_]+/g, '_')
    .toLowerCase();
  return /^[0-9]/.test(snake) ? `_${snake}` : snake || '_';
}

/** A label value with \, " and newline escaped (the text format's rules). */
function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value: Prometheus spells the non-finite ones NaN, +Inf, -Inf. */
function sampleValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

/** The state of a service in the Prometheus text exposition format (version 0.0.4). */
export function formatMetrics(service: string, state: State, extra: State = {}): string {
  const prefix = `poste_${metricName(service)}`;
  const lines: string[] = [];
  const labels: string[] = [];
  const seen = new Set<string>();
  for (const [key, value] of Object.entries({ ...state, ...extra })) {
    const name = metricName(key);
    if (typeof value === 'number') {
      const metric = `${prefix}_${name}`;
      if (seen.has(metric)) continue;
      seen.add(metric);
      lines.push(`# TYPE ${metric} gauge`, `${metric} ${sampleValue(value)}`);
    } else if (!labels.some((l) => l.startsWith(`${name}=`))) {
      labels.push(`${name}="${labelValue(String(value))}"`);
    }
  }
  lines.push(`# TYPE ${prefix}_info gauge`, `${prefix}_info{${labels.join(',')}} 1`);
  return `${lines.join('\n')}\n`;
}

export interface MetricsServer {
  listener: Listener;
  close(): Promise<void>;
}

export interface MetricsOptions {
  host: string;
  port: number;
  service: string;
  running: RunningService;
  log: Logger;
}

/** Starts the metrics listener; resolves once it is bound. */
export async function startMetrics(o: MetricsOptions): Promise<MetricsServer> {
  const started = Date.now();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    let state: State;
    try {
      state = o.running.state();
    } catch (err) {
      o.log('metrics-error', { error: (err as Error).message });
      return path === '/health'
        ? send(503, 'application/json', `${JSON.stringify({ status: 'failing', service: o.service })}\n`)
        : send(500, 'text/plain; charset=utf-8', 'state unavailable\n');
    }
    if (path === '/metrics') {
      const process_ = {
        uptimeSeconds: (Date.now() - started) / 1000,
        residentMemoryBytes: process.memoryUsage.rss(),
      };
      return send(200, 'text/plain; version=0.0.4; charset=utf-8', formatMetrics(o.service, state, process_));
    }
    if (path === '/health') {
      const body = { status: 'ok', service: o.service, pid: process.pid, listeners: o.running.listeners };
      return send(200, 'application/json', `${JSON.stringify(body)}\n`);
    }
    send(404, 'text/plain; charset=utf-8', 'not found: try /metrics or /health\n');
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => o.log('metrics-error', { error: err.message }));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  return {
    listener: { host: o.host, port, protocol: 'http' },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
