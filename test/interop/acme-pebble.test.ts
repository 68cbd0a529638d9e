// ACME against Pebble (Debian's pebble), with DNS-01 answered by poste's own primary: Pebble
// validates challenges by asking our primary (-dnsserver), which takes the challenge records
// from `poste acme issue` as TSIG-signed UPDATEs. Everything on loopback; every process is
// stopped by its PID whatever happens.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcmeClient, AcmeError, httpsTransport } from '../../src/acme/index.js';
import { exchange, makeQuery, TYPE } from '../../src/dns/index.js';
import { bin, poste } from '../helpers/run-cli.js';
import { freePort, LOOPBACK, type RunningServer, sleep, startPoste } from './dns-helpers.js';
import { requirePeer } from './helpers.js';

const ZONE = `$ORIGIN example.test.
$TTL 300
@ SOA ns1 hostmaster 1 3600 600 86400 60
@ NS ns1
ns1 A 127.0.0.1
@ A 127.0.0.1
mail A 127.0.0.1
`;

interface Pebble {
  child: ChildProcess;
  directory: string;
  management: number;
  stop(): void;
}

const ready = requirePeer('pebble') && requirePeer('openssl');

describe.skipIf(!ready)('acme: poste acme issue/renew against Pebble, DNS-01 on poste dns serve', () => {
  let work: string;
  let primary: RunningServer;
  let decoy: RunningServer;
  let pebble: Pebble;
  let strictPebble: Pebble;
  const secret = randomBytes(32).toString('base64');
  const key = `acme.:${secret}`;
  const caFile = () => join(work, 'pebble-cert.pem');

  async function startPebble(dnsPort: number, name: string): Promise<Pebble> {
    const [listen, management, http, tls] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const config = join(work, `${name}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        pebble: {
          listenAddress: `${LOOPBACK}:${listen}`,
          managementListenAddress: `${LOOPBACK}:${management}`,
          certificate: caFile(),
          privateKey: join(work, 'pebble-key.pem'),
          httpPort: http,
          tlsPort: tls,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
        },
      }),
    );
    const child = spawn('pebble', ['-config', config, '-dnsserver', `${LOOPBACK}:${dnsPort}`], {
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1' },
      stdio: ['ignore', 'ignore', 'ignore'],
      detached: true,
    });
    const stop = () => {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    };
    const directory = `https://${LOOPBACK}:${listen}/dir`;
    for (let i = 0; i < 100; i++) {
      if ((await get(directory).catch(() => undefined)) !== undefined)
        return { child, directory, management, stop };
      await sleep(100);
    }
    stop();
    throw new Error('pebble did not come up');
  }

  function get(url: string): Promise<string> {
    return new Promise((resolve, reject) => {
      https
        .get(url, { ca: readFileSync(caFile()), timeout: 2000 }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () =>
            res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode}`)),
          );
        })
        .on('error', reject);
    });
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'poste-acme-'));
    // Pebble ships no certificate for its own HTTPS: a self-signed one for 127.0.0.1.
    const r = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(work, 'pebble-key.pem'),
      '-out',
      caFile(),
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
    for (const dir of ['zones', 'decoy']) {
      rmSync(join(work, dir), { recursive: true, force: true });
      spawnSync('mkdir', ['-p', join(work, dir)]);
      writeFileSync(join(work, dir, 'example.test.zone'), ZONE);
    }
    primary = await startPoste({ zonesDir: join(work, 'zones'), keys: [key] });
    // A second primary serving the same zone but never updated: a CA asking it sees no challenge.
    decoy = await startPoste({ zonesDir: join(work, 'decoy') });
    pebble = await startPebble(primary.port, 'pebble');
    strictPebble = await startPebble(decoy.port, 'pebble-decoy');
  }, 60_000);

  afterAll(async () => {
    pebble?.stop();
    strictPebble?.stop();
    await Promise.allSettled([primary?.stop(), decoy?.stop()]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const issue = (out: string, extra: string[] = [], directory = pebble.directory, tsig = key) =>
    poste([
      'acme',
      'issue',
      '--directory',
      directory,
      '--directory-ca',
      caFile(),
      '--domain',
      'example.test',
      '--domain',
      'mail.example.test',
      '--dns-update',
      `${LOOPBACK}:${primary.port}`,
      '--tsig-key',
      tsig,
      '--out',
      out,
      ...extra,
    ]);

  const leafOf = (out: string) => new X509Certificate(readFileSync(join(out, 'fullchain.pem')));

  it('issues a certificate for two names that chains to Pebble’s root, and cleans up the challenges', async () => {
    const out = join(work, 'cert-a');
    const r = issue(out);
    expect(r.stderr).not.toMatch(/retry|failed/);
    expect(r.status).toBe(0);
    const chain = readFileSync(join(out, 'fullchain.pem'), 'utf8');
    const certs = chain.split(/(?<=-----END CERTIFICATE-----)\s*/).filter((c) => c.includes('BEGIN'));
    expect(certs.length).toBeGreaterThanOrEqual(2);
    const [leaf, intermediate] = certs.map((c) => new X509Certificate(c)) as [
      X509Certificate,
      X509Certificate,
    ];
    expect(leaf.subjectAltName).toBe('DNS:example.test, DNS:mail.example.test');
    // The key written is the key certified.
    const { createPrivateKey, createPublicKey } = await import('node:crypto');
    const priv = createPrivateKey(readFileSync(join(out, 'key.pem')));
    expect(createPublicKey(priv).export({ format: 'jwk' })).toEqual(leaf.publicKey.export({ format: 'jwk' }));
    // leaf ← intermediate ← Pebble's root (fetched from its management interface).
    const root = new X509Certificate(await get(`https://${LOOPBACK}:${pebble.management}/roots/0`));
    expect(leaf.verify(intermediate.publicKey)).toBe(true);
    expect(intermediate.verify(root.publicKey)).toBe(true);
    // No challenge record is left: neither served nor in the zone file.
    const txt = await exchange(
      { host: LOOPBACK, port: primary.port },
      makeQuery('_acme-challenge.example.test.', TYPE.TXT, 1232),
    );
    expect(txt.answers).toEqual([]);
    expect(readFileSync(join(work, 'zones', 'example.test.zone'), 'utf8')).not.toContain('_acme-challenge');
  }, 60_000);

  it('renews: not before it is due, a new certificate and key when forced', () => {
    const out = join(work, 'cert-b');
    expect(issue(out).status).toBe(0);
    const first = leafOf(out);
    const notDue = poste(['acme', 'renew', '--out', out, '--json']);
    expect(notDue.status).toBe(0);
    expect(JSON.parse(notDue.stdout.toString())).toMatchObject({ renewed: false });
    const forced = poste(['acme', 'renew', '--out', out, '--force', '--json']);
    expect(forced.stderr).not.toMatch(/failed/);
    expect(forced.status).toBe(0);
    expect(JSON.parse(forced.stdout.toString())).toMatchObject({ renewed: true });
    const second = leafOf(out);
    expect(second.serialNumber).not.toBe(first.serialNumber);
    expect(second.publicKey.export({ format: 'jwk' })).not.toEqual(first.publicKey.export({ format: 'jwk' }));
  }, 60_000);

  it('a running poste srv serves the renewed certificate to a new connection, without restart', async () => {
    const out = join(work, 'cert-srv');
    expect(issue(out).status).toBe(0);
    const maildir = join(work, 'maildir');
    const srv = spawn(
      process.execPath,
      [
        bin,
        'srv',
        '--listen',
        `${LOOPBACK}:0`,
        '--maildir',
        maildir,
        '--hostname',
        'mx.example.test',
        '--tls-cert',
        join(out, 'fullchain.pem'),
        '--tls-key',
        join(out, 'key.pem'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let err = '';
        srv.stderr.setEncoding('utf8');
        srv.stderr.on('data', (c: string) => {
          err += c;
          const m = /"event":"listening"[^\n]*"port":(\d+)/.exec(err);
          if (m) resolve(Number(m[1]));
        });
        srv.on('exit', () => reject(new Error(`srv exited: ${err}`)));
      });
      const first = await startTls(port);
      const before = first.cert;
      const renewed = poste(['acme', 'renew', '--out', out, '--force']);
      expect(renewed.status).toBe(0);
      const after = leafOf(out).serialNumber;
      expect(after).not.toBe(before);
      // srv checks its files every few seconds: new connections get the new certificate.
      let seen = before;
      for (let i = 0; i < 60 && seen !== after; i++) {
        await sleep(250);
        const c = await startTls(port);
        seen = c.cert;
        c.socket.destroy();
      }
      expect(seen).toBe(after);
      // The connection opened before the renewal still works.
      expect(await first.command('NOOP')).toMatch(/^250/);
      first.socket.destroy();
    } finally {
      if (srv.exitCode === null) srv.kill('SIGKILL');
    }
  }, 60_000);

  it('rolls the account key over (RFC 8555 §7.3.5): the new key orders, the old one no longer can', async () => {
    const out = join(work, 'cert-a');
    const config = JSON.parse(readFileSync(join(out, 'acme.json'), 'utf8'));
    const http = httpsTransport({ ca: readFileSync(caFile(), 'utf8') });
    const oldKey = createPrivateKey(readFileSync(join(out, 'account.pem')));
    const client = new AcmeClient({
      directoryUrl: pebble.directory,
      http,
      accountKey: oldKey,
      accountUrl: config.accountUrl,
    });
    const newKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    await client.rolloverKey(newKey);
    const fresh = new AcmeClient({
      directoryUrl: pebble.directory,
      http,
      accountKey: newKey,
      accountUrl: config.accountUrl,
    });
    // Pending, or ready when Pebble reuses an earlier authorization: either way the new key was accepted.
    expect(['pending', 'ready']).toContain((await fresh.newOrder(['example.test'])).status);
    const stale = new AcmeClient({
      directoryUrl: pebble.directory,
      http,
      accountKey: oldKey,
      accountUrl: config.accountUrl,
    });
    await expect(stale.newOrder(['example.test'])).rejects.toThrow(AcmeError);
  }, 60_000);

  it('fails clearly when the primary refuses the update (bad TSIG), leaving the zone alone', () => {
    const before = readFileSync(join(work, 'zones', 'example.test.zone'), 'utf8');
    const wrong = `acme.:${randomBytes(32).toString('base64')}`;
    const r = issue(join(work, 'cert-c'), [], pebble.directory, wrong);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^poste acme issue: the primary refused to add TXT _acme-challenge\.(mail\.)?example\.test\.: NOTAUTH$/,
    );
    expect(readFileSync(join(work, 'zones', 'example.test.zone'), 'utf8')).toBe(before);
  }, 60_000);

  it('fails clearly when the CA rejects the challenge (it sees no record), and cleans up', () => {
    const r = issue(join(work, 'cert-d'), [], strictPebble.directory);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^poste acme issue: authorization of .*example\.test is invalid/,
    );
    expect(readFileSync(join(work, 'zones', 'example.test.zone'), 'utf8')).not.toContain('_acme-challenge');
  }, 60_000);

  it('retries with backoff when the CA is down, then gives up with a temporary failure', async () => {
    const closed = `https://${LOOPBACK}:${await freePort()}/dir`;
    const r = issue(join(work, 'cert-e'), ['--attempts', '2'], closed);
    expect(r.status).toBe(75);
    expect(r.stderr).toContain('"event":"retry"');
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^poste acme issue: .*ECONNREFUSED|connection refused/,
    );
  }, 60_000);
});

/** An SMTP session upgraded with STARTTLS: the serial of the certificate served, and a way to talk on. */
async function startTls(
  port: number,
): Promise<{ cert: string; socket: tls.TLSSocket; command(c: string): Promise<string> }> {
  const plain = net.connect(port, LOOPBACK);
  let buffered = '';
  const reply = (sock: net.Socket) =>
    new Promise<string>((resolve, reject) => {
      const onData = (d: Buffer) => {
        buffered += d.toString('latin1');
        // A reply ends with a line whose code is followed by a space.
        const m = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n$/.exec(buffered);
        if (m) {
          const r = buffered;
          buffered = '';
          sock.off('data', onData);
          resolve(r);
        }
      };
      sock.on('data', onData);
      sock.once('error', reject);
    });
  await reply(plain);
  plain.write('EHLO client.test\r\n');
  await reply(plain);
  plain.write('STARTTLS\r\n');
  expect(await reply(plain)).toMatch(/^220/);
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ socket: plain, rejectUnauthorized: false, servername: 'mx.example.test' }, () =>
      resolve(s),
    );
    s.once('error', reject);
  });
  return {
    cert: socket.getPeerCertificate().serialNumber,
    socket,
    async command(c: string) {
      socket.write(`${c}\r\n`);
      return reply(socket);
    },
  };
}
