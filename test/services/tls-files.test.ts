// A TLS server whose key and certificate are replaced on disk (as the acme service renews
// them) serves the new certificate to new connections, without a restart and without
// dropping the connection already open.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { TlsFiles } from '../../src/services/tls-files.js';

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;

function selfSigned(dir: string, name: string, serial: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const r = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-set_serial',
    serial,
  ]);
  if (r.status !== 0) throw new Error(String(r.stderr));
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

describe.skipIf(!haveOpenssl)('TlsFiles', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('serves a replaced certificate to new connections while the old one stays open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poste-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const a = selfSigned(dir, 'a', '0x0a');
    const b = selfSigned(dir, 'b', '0x0b');
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'fullchain.pem');
    writeFileSync(keyFile, a.key);
    writeFileSync(certFile, a.cert);
    const files = new TlsFiles({ keyFile, certFile, pollMs: 60_000 });
    const server = tls.createServer(await files.options(), (s) => s.pipe(s));
    cleanups.push(() => server.close());
    files.start((_ctx, f) => server.setSecureContext(f));
    cleanups.push(() => files.stop());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const connect = () =>
      new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(s));
        s.on('error', reject);
        cleanups.push(() => s.destroy());
      });
    const first = await connect();
    expect(first.getPeerCertificate().serialNumber).toBe('0A');
    // Replace both files the way the acme store does: write beside, rename over.
    writeFileSync(`${keyFile}.new`, b.key);
    renameSync(`${keyFile}.new`, keyFile);
    writeFileSync(`${certFile}.new`, b.cert);
    renameSync(`${certFile}.new`, certFile);
    expect(await files.check((_ctx, f) => server.setSecureContext(f))).toBe(true);
    const second = await connect();
    expect(second.getPeerCertificate().serialNumber).toBe('0B');
    // The first connection still works.
    const echoed = new Promise<string>((r) => first.once('data', (d) => r(d.toString())));
    first.write('still here');
    expect(await echoed).toBe('still here');
  });

  it('keeps the previous certificate when the new pair does not load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poste-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const a = selfSigned(dir, 'a', '0x0a');
    const b = selfSigned(dir, 'b', '0x0b');
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'fullchain.pem');
    writeFileSync(keyFile, a.key);
    writeFileSync(certFile, a.cert);
    const events: { ok: boolean }[] = [];
    const files = new TlsFiles({ keyFile, certFile, onReload: (e) => events.push(e) });
    await files.check(undefined, true);
    const before = files.context();
    writeFileSync(certFile, b.cert); // a key that does not match this certificate
    expect(await files.check()).toBe(false);
    expect(files.context()).toBe(before);
    expect(events.at(-1)?.ok).toBe(false);
  });
});
