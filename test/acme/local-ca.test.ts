// The local CA: node's X509 parser reads what it writes, the leaf chains to the root, and a
// TLS client that trusts only the root connects by name and by address.
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createLocalCa } from '../../src/acme/index.js';

describe('the local CA', () => {
  const ca = createLocalCa('poste test CA');
  const leaf = ca.issue(['mail.alpha.test', 'localhost', '127.0.0.1', '::1']);

  it('gives every certificate a serial in minimal DER (one in 256 was refused)', () => {
    for (let i = 0; i < 1024; i++) {
      const der = new X509Certificate(ca.issue(['mail.alpha.test']).cert).raw;
      // TBSCertificate: [0] version, then the serial INTEGER of 16 octets.
      const at = der.indexOf(Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x10]));
      expect(at).toBeGreaterThan(0);
      expect(der[at + 7]).not.toBe(0);
    }
  });

  it('writes certificates that parse and chain', () => {
    const root = new X509Certificate(ca.cert);
    const cert = new X509Certificate(leaf.cert);
    expect(root.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(root)).toBe(true);
    expect(cert.verify(root.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe(
      'DNS:mail.alpha.test, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(cert.checkHost('mail.alpha.test')).toBe('mail.alpha.test');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('is trusted by a TLS client that has only the root', async () => {
    const server = tls.createServer({ key: leaf.key, cert: leaf.cert }, (s) => s.end('hi'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      for (const servername of ['mail.alpha.test', undefined]) {
        const text = await new Promise<string>((resolve, reject) => {
          const c = tls.connect(
            { host: '127.0.0.1', port, ca: ca.cert, ...(servername ? { servername } : {}) },
            () => {
              let got = '';
              c.on('data', (d) => {
                got += d;
              });
              c.on('end', () => resolve(got));
            },
          );
          c.on('error', reject);
        });
        expect(text).toBe('hi');
      }
    } finally {
      server.close();
    }
  });
});
