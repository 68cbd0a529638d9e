// The ACME library without a network: JWS and thumbprints (RFC 7638's vector), the DER of
// CSRs, the client against an in-memory CA (nonces, badNonce, accounts, orders, polling,
// problems), renewal timing, and the service's backoff.
import { spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { integer, oid, tlv } from '../../src/acme/der.js';
import {
  AcmeClient,
  AcmeError,
  certId,
  challengeName,
  challengeValue,
  createCsr,
  type HttpResponse,
  type HttpTransport,
  issueCertificate,
  renewalDue,
  signJws,
  thumbprint,
} from '../../src/acme/index.js';
import { startAcme } from '../../src/services/acme/index.js';

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;
const ecKey = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;

describe('jws', () => {
  it('computes the RFC 7638 §3.1 thumbprint', () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    const key = createPublicKey({ key: { kty: 'RSA', n, e: 'AQAB' }, format: 'jwk' });
    expect(thumbprint(key)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('signs ES256 as r||s over protected.payload, and POST-as-GET with an empty payload', () => {
    const key = ecKey();
    const jws = signJws(key, { nonce: 'n1', url: 'https://ca/x' }, { a: 1 });
    const header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', nonce: 'n1', url: 'https://ca/x' });
    const sig = Buffer.from(jws.signature, 'base64url');
    expect(sig).toHaveLength(64);
    const input = Buffer.from(`${jws.protected}.${jws.payload}`);
    expect(verify('sha256', input, { key: createPublicKey(key), dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    expect(signJws(key, {}, undefined).payload).toBe('');
  });

  it('builds the DNS-01 name and value (§8.4)', () => {
    expect(challengeName('*.Example.org')).toBe('_acme-challenge.Example.org.');
    const key = ecKey();
    const v = challengeValue('tok', key);
    expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(challengeValue('tok', key)).toBe(v);
    expect(challengeValue('other', key)).not.toBe(v);
  });
});

describe('der and csr', () => {
  it('encodes integers, object identifiers and long lengths', () => {
    expect(Buffer.from(integer(0)).toString('hex')).toBe('020100');
    expect(Buffer.from(integer(128)).toString('hex')).toBe('02020080');
    expect(Buffer.from(oid('1.2.840.113549.1.9.14')).toString('hex')).toBe('06092a864886f70d01090e');
    expect(
      Buffer.from(tlv(0x04, new Uint8Array(200)))
        .subarray(0, 3)
        .toString('hex'),
    ).toBe('0481c8');
  });

  it.skipIf(!haveOpenssl)('writes a CSR openssl verifies, with every name in subjectAltName', () => {
    const dir = mkdtempSync(join(tmpdir(), 'poste-csr-'));
    try {
      for (const key of [ecKey(), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey]) {
        const der = createCsr(['example.org', '*.example.org', 'mail.example.org'], key);
        writeFileSync(join(dir, 'req.der'), der);
        const r = spawnSync(
          'openssl',
          ['req', '-inform', 'DER', '-in', join(dir, 'req.der'), '-verify', '-noout', '-text'],
          {
            encoding: 'utf8',
          },
        );
        expect(r.status, r.stderr).toBe(0);
        expect(`${r.stdout}${r.stderr}`).toMatch(/verify OK/i);
        expect(r.stdout).toContain('DNS:example.org, DNS:*.example.org, DNS:mail.example.org');
        expect(r.stdout).toMatch(/Subject: CN\s*=\s*example\.org/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A tiny CA in memory: enough of RFC 8555 to drive the client through an issuance. */
function fakeCa(opts: { badNonceOnce?: boolean; rejectChallenge?: boolean; down?: boolean } = {}) {
  let nonce = 0;
  let badNonceLeft = opts.badNonceOnce ? 1 : 0;
  const seen: { url: string; header: Record<string, unknown>; payload: unknown }[] = [];
  const published: string[] = [];
  let authzPolls = 0;
  const base = 'https://ca.test';
  const res = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
    status,
    headers: { 'replay-nonce': `n${++nonce}`, ...headers },
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  });
  const http: HttpTransport = {
    async request(method, url, body) {
      if (opts.down) throw new Error('connect ECONNREFUSED');
      if (url === `${base}/dir`) {
        return res(200, {
          newNonce: `${base}/nonce`,
          newAccount: `${base}/acct`,
          newOrder: `${base}/order`,
          keyChange: `${base}/keychange`,
        });
      }
      if (method === 'HEAD') return res(200, '');
      const jws = JSON.parse(body ?? '{}');
      const header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString());
      const payload = jws.payload ? JSON.parse(Buffer.from(jws.payload, 'base64url').toString()) : undefined;
      seen.push({ url, header, payload });
      if (badNonceLeft > 0) {
        badNonceLeft--;
        return res(400, { type: 'urn:ietf:params:acme:error:badNonce', detail: 'stale' });
      }
      switch (url) {
        case `${base}/acct`:
          return res(201, { status: 'valid' }, { location: `${base}/acct/1` });
        case `${base}/order`:
          return res(
            201,
            {
              status: 'pending',
              identifiers: payload.identifiers,
              authorizations: [`${base}/authz/1`],
              finalize: `${base}/fin`,
            },
            { location: `${base}/order/1` },
          );
        case `${base}/authz/1`: {
          const settled = published.length > 0 && ++authzPolls > 1;
          const status = !settled ? 'pending' : opts.rejectChallenge ? 'invalid' : 'valid';
          return res(200, {
            status,
            identifier: { type: 'dns', value: 'example.org' },
            challenges: [
              {
                type: 'dns-01',
                url: `${base}/chall/1`,
                token: 'tok',
                status,
                ...(status === 'invalid'
                  ? { error: { type: 'urn:ietf:params:acme:error:unauthorized', detail: 'no TXT' } }
                  : {}),
              },
            ],
          });
        }
        case `${base}/chall/1`:
          return res(200, { status: 'processing' });
        case `${base}/order/1`:
          return res(200, {
            status: seen.some((s) => s.url === `${base}/fin`) ? 'valid' : 'ready',
            identifiers: [],
            authorizations: [],
            finalize: `${base}/fin`,
            certificate: `${base}/cert`,
          });
        case `${base}/fin`:
          return res(200, { status: 'processing' });
        case `${base}/cert`:
          return res(200, '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n');
        default:
          return res(404, { type: 'urn:ietf:params:acme:error:malformed', detail: url });
      }
    },
  };
  const publisher = {
    async add(name: string, value: string) {
      published.push(`+${name} ${value}`);
    },
    async remove(name: string, value: string) {
      published.push(`-${name} ${value}`);
    },
  };
  return { http, publisher, seen, published, dir: `${base}/dir` };
}

describe('client', () => {
  const noSleep = async () => {};

  it('issues: account with jwk then kid, badNonce retried, challenge published and removed', async () => {
    const ca = fakeCa({ badNonceOnce: true });
    const key = ecKey();
    const client = new AcmeClient({ directoryUrl: ca.dir, http: ca.http, accountKey: key, sleep: noSleep });
    const out = await issueCertificate({ client, names: ['example.org'], publisher: ca.publisher });
    expect(out.fullchain).toContain('BEGIN CERTIFICATE');
    const first = ca.seen.filter((s) => s.url.endsWith('/acct'));
    expect(first.length).toBe(2); // the badNonce answer, then the retry
    expect(first[1]?.header.jwk).toBeDefined();
    expect(ca.seen.find((s) => s.url.endsWith('/order'))?.header.kid).toBe('https://ca.test/acct/1');
    const value = challengeValue('tok', key);
    expect(ca.published).toEqual([
      `+_acme-challenge.example.org. ${value}`,
      `-_acme-challenge.example.org. ${value}`,
    ]);
    expect(ca.seen.find((s) => s.url.endsWith('/fin'))?.payload).toHaveProperty('csr');
  });

  it('reports a rejected challenge as a permanent failure and still removes the record', async () => {
    const ca = fakeCa({ rejectChallenge: true });
    const client = new AcmeClient({
      directoryUrl: ca.dir,
      http: ca.http,
      accountKey: ecKey(),
      sleep: noSleep,
    });
    const err = await issueCertificate({ client, names: ['example.org'], publisher: ca.publisher }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(AcmeError);
    expect((err as AcmeError).transient).toBe(false);
    expect((err as Error).message).toBe('authorization of example.org is invalid: no TXT');
    expect(ca.published.at(-1)).toMatch(/^-_acme-challenge/);
  });

  it('reads the RFC 9773 renewal window when the directory offers one, and none otherwise', async () => {
    const window = { start: '2026-05-01T00:00:00Z', end: '2026-05-02T00:00:00Z' };
    const asked: string[] = [];
    const http: HttpTransport = {
      async request(_method, url) {
        asked.push(url);
        const body = url.endsWith('/dir')
          ? {
              newNonce: 'https://ca/n',
              newAccount: 'https://ca/a',
              newOrder: 'https://ca/o',
              renewalInfo: 'https://ca/ari/',
            }
          : { suggestedWindow: window };
        return { status: 200, headers: {}, body: Buffer.from(JSON.stringify(body)) };
      },
    };
    const client = new AcmeClient({ directoryUrl: 'https://ca/dir', http, accountKey: ecKey() });
    expect(await client.renewalWindow('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE')).toEqual({
      start: new Date(window.start),
      end: new Date(window.end),
    });
    expect(asked.at(-1)).toBe('https://ca/ari/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
    const ca = fakeCa();
    const plain = new AcmeClient({ directoryUrl: ca.dir, http: ca.http, accountKey: ecKey() });
    expect(await plain.renewalWindow('x.y')).toBeUndefined();
  });

  it('tells transient problems from rejections', () => {
    expect(new AcmeError('x', { type: 'urn:ietf:params:acme:error:rateLimited' }, 429).transient).toBe(true);
    expect(new AcmeError('x', undefined, 503).transient).toBe(true);
    expect(new AcmeError('x', { type: 'urn:ietf:params:acme:error:unauthorized' }, 403).transient).toBe(
      false,
    );
    expect(new AcmeError('x', { type: 'urn:ietf:params:acme:error:rejectedIdentifier' }).transient).toBe(
      false,
    );
  });
});

describe('renewal', () => {
  const times = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-04-01T00:00:00Z') };

  it('is due two thirds into the lifetime, or at the start of an earlier CA window', () => {
    expect(renewalDue(times).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    const early = { start: new Date('2026-02-01T00:00:00Z'), end: new Date('2026-02-02T00:00:00Z') };
    expect(renewalDue(times, early)).toEqual(early.start);
    const late = { start: new Date('2026-03-20T00:00:00Z'), end: new Date('2026-03-21T00:00:00Z') };
    expect(renewalDue(times, late).toISOString()).toBe('2026-03-02T00:00:00.000Z');
  });

  it.skipIf(!haveOpenssl)('builds the RFC 9773 certificate identifier from AKI and serial', () => {
    const dir = mkdtempSync(join(tmpdir(), 'poste-ari-'));
    try {
      const pem = join(dir, 'c.pem');
      const r = spawnSync('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        pem,
        '-days',
        '1',
        '-subj',
        '/CN=a.test',
        '-set_serial',
        '0x87654321',
        '-addext',
        'authorityKeyIdentifier=keyid:always',
      ]);
      expect(r.status, String(r.stderr)).toBe(0);
      const text = spawnSync('openssl', ['x509', '-in', pem, '-noout', '-ext', 'authorityKeyIdentifier'], {
        encoding: 'utf8',
      }).stdout;
      const aki = /([0-9A-F]{2}(?::[0-9A-F]{2})+)/.exec(text)?.[1]?.replace(/:/g, '') ?? '';
      const id = certId(readFileSync(pem, 'utf8'));
      // RFC 9773 §4.1: the serial's DER bytes keep their leading zero when the top bit is set.
      expect(id).toBe(
        `${Buffer.from(aki, 'hex').toString('base64url')}.${Buffer.from('0087654321', 'hex').toString('base64url')}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the acme service', () => {
  it('retries a failing directory with doubling delays capped at the check interval', async () => {
    const events: { event: string; retryInMs?: number }[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'poste-acme-svc-'));
    const service = startAcme({
      dirs: [dir],
      checkEveryMs: 40,
      retryMs: 5,
      log: (event, fields) => events.push({ event, retryInMs: fields?.retryInMs as number | undefined }),
    });
    try {
      for (let i = 0; i < 200 && events.filter((e) => e.event === 'renew-failed').length < 5; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      service.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const delays = events.filter((e) => e.event === 'renew-failed').map((e) => e.retryInMs);
    expect(delays.slice(0, 5)).toEqual([5, 10, 20, 40, 40]);
  });
});
