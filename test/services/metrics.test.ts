// The metrics listener: the Prometheus text format from a service's state (numbers as
// gauges, strings and booleans as labels of one info gauge), and /health.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/services/log.js';
import { formatMetrics, type MetricsServer, metricName, startMetrics } from '../../src/services/metrics.js';
import type { RunningService } from '../../src/services/service.js';

describe('formatMetrics', () => {
  it('writes numbers as gauges and the rest as labels of poste_<service>_info', () => {
    const text = formatMetrics('relay', { queued: 3, inFlight: 1, listen: '127.0.0.1:25', git: true });
    expect(text).toBe(
      [
        '# TYPE poste_relay_queued gauge',
        'poste_relay_queued 3',
        '# TYPE poste_relay_in_flight gauge',
        'poste_relay_in_flight 1',
        '# TYPE poste_relay_info gauge',
        'poste_relay_info{listen="127.0.0.1:25",git="true"} 1',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and spells non-finite numbers as Prometheus does', () => {
    const text = formatMetrics('x', {
      a: Number.NaN,
      b: Number.POSITIVE_INFINITY,
      c: -Infinity,
      d: 'q"\\\nz',
    });
    expect(text).toContain('poste_x_a NaN\n');
    expect(text).toContain('poste_x_b +Inf\n');
    expect(text).toContain('poste_x_c -Inf\n');
    expect(text).toContain('poste_x_info{d="q\\"\\\\\\nz"} 1\n');
  });

  it('makes valid metric names of any key, and keeps the first of two that collide', () => {
    expect(metricName('answersCached')).toBe('answers_cached');
    expect(metricName('rateLimited')).toBe('rate_limited');
    expect(metricName('a.b-c d')).toBe('a_b_c_d');
    expect(metricName('4xx')).toBe('_4xx');
    const text = formatMetrics('svc-1', { fooBar: 1, foo_bar: 2 });
    expect(text.match(/^poste_svc_1_foo_bar /gm)).toHaveLength(1);
    for (const line of text.trim().split('\n'))
      expect(line).toMatch(/^(# TYPE [a-zA-Z_][a-zA-Z0-9_]* gauge|[a-zA-Z_][a-zA-Z0-9_]*(\{.*\})? \S+)$/);
  });

  it('writes an info gauge without labels when the state has only numbers', () => {
    expect(formatMetrics('acme', { failures: 0 })).toContain('poste_acme_info{} 1\n');
  });
});

describe('startMetrics', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const get = (port: number, path: string, method = 'GET') =>
    new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
        );
      });
      req.on('error', reject);
      req.end();
    });

  const running = (state: () => Record<string, number | string | boolean>): RunningService => ({
    listeners: { smtp: { host: '127.0.0.1', port: 2525, protocol: 'smtp' } },
    state,
    close: async () => {},
  });

  it('serves /metrics in the text format and /health as JSON with the listeners', async () => {
    let n = 0;
    server = await startMetrics({
      host: '127.0.0.1',
      port: 0,
      service: 'relay',
      running: running(() => ({ delivered: ++n })),
      log: silentLogger,
    });
    const { port } = server.listener;
    const m = await get(port, '/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(m.body).toContain('poste_relay_delivered 1\n');
    expect(m.body).toMatch(/^poste_relay_resident_memory_bytes \d+$/m);
    expect((await get(port, '/metrics')).body).toContain('poste_relay_delivered 2\n');
    const h = await get(port, '/health');
    expect(h.status).toBe(200);
    expect(JSON.parse(h.body)).toEqual({
      status: 'ok',
      service: 'relay',
      pid: process.pid,
      listeners: { smtp: { host: '127.0.0.1', port: 2525, protocol: 'smtp' } },
    });
    expect((await get(port, '/nothing')).status).toBe(404);
    expect((await get(port, '/metrics', 'POST')).status).toBe(405);
  });

  it('answers 503 on /health when the state cannot be had', async () => {
    server = await startMetrics({
      host: '127.0.0.1',
      port: 0,
      service: 'relay',
      running: running(() => {
        throw new Error('broken');
      }),
      log: silentLogger,
    });
    expect((await get(server.listener.port, '/health')).status).toBe(503);
    expect((await get(server.listener.port, '/metrics')).status).toBe(500);
  });
});
