import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadZones } from '../../src/cli/resolver-choice.js';
import { ZoneResolver } from '../../src/dns/index.js';
import { Maildir } from '../../src/maildir/index.js';
import { silentLogger } from '../../src/services/log.js';
import { type SmtpServer, startSmtpServer } from '../../src/services/smtp-server/index.js';
import { maildirHandlers } from '../../src/services/smtp-server/maildir-sink.js';
import { mxRoute } from '../../src/smtp/index.js';
import { bin } from '../helpers/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'poste-send-'));
const zone = join(root, 'test.zone');
let server: SmtpServer;
const box = join(root, 'box');

beforeAll(async () => {
  writeFileSync(
    zone,
    [
      '$TTL 300',
      'example.test. IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300',
      'example.test. IN NS ns.example.test.',
      'example.test. IN MX 10 mx.example.test.',
      'example.test. IN MX 20 backup.example.test.',
      'mx.example.test. IN A 127.0.0.1',
      'backup.example.test. IN A 127.0.0.2',
      'ns.example.test. IN A 127.0.0.1',
      'nomail.example.test. IN MX 0 .',
      'implicit.example.test. IN A 127.0.0.1',
      '',
    ].join('\n'),
  );
  server = await startSmtpServer({
    host: '127.0.0.1',
    port: 0,
    hostname: 'mx.example.test',
    handlers: maildirHandlers({ maildir: await Maildir.create(box), hostname: 'mx.example.test' }),
    log: silentLogger,
  });
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

function send(
  args: string[],
  input: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, 'send', ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('exit', (status) => resolve({ status, stdout, stderr }));
    p.stdin.end(input);
  });
}

describe('MX routes (RFC 5321 §5, RFC 7505)', () => {
  it('orders by preference, falls back to the domain, knows null MX', async () => {
    const r = new ZoneResolver(await loadZones(zone));
    expect(await mxRoute('example.test', r, () => 0)).toEqual({
      kind: 'hosts',
      implicit: false,
      hosts: [
        { name: 'mx.example.test.', preference: 10, addresses: ['127.0.0.1'] },
        { name: 'backup.example.test.', preference: 20, addresses: ['127.0.0.2'] },
      ],
    });
    expect(await mxRoute('implicit.example.test', r, () => 0)).toMatchObject({
      kind: 'hosts',
      implicit: true,
    });
    expect(await mxRoute('nomail.example.test', r, () => 0)).toEqual({ kind: 'null-mx' });
    expect(await mxRoute('nowhere.example.test', r, () => 0)).toMatchObject({ kind: 'none' });
  });
});

describe('poste send', () => {
  it('delivers through the MX and reports per recipient; null MX refused (exit 1)', async () => {
    const port = String(server.address.port);
    const msg = 'From: a@x.test\r\nTo: bob@example.test, c@nomail.example.test\r\nSubject: s\r\n\r\nhi\r\n';
    const r = await send(['--zone', zone, '--port', port, '--helo', 'client.test'], msg);
    expect(r.stdout).toMatch(
      /^bob@example\.test\tsent\tmx\.example\.test\.\[127\.0\.0\.1\]\t250 2\.0\.0 OK queued as /m,
    );
    expect(r.stdout).toMatch(/^c@nomail\.example\.test\trefused\t-\t556 5\.1\.10 /m);
    expect(r.status).toBe(1);
    expect(readdirSync(join(box, 'new'))).toHaveLength(1);
  });
});
