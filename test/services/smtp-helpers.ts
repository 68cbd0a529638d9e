// Test helpers for SMTP over real loopback sockets: a certificate made with openssl at test
// time, and a tiny line client that reads whole replies.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

export function makeCert(dir = mkdtempSync(join(tmpdir(), 'poste-cert-'))): {
  key: Buffer;
  cert: Buffer;
  keyPath: string;
  certPath: string;
} {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=mx.test',
      '-addext',
      'subjectAltName=DNS:mx.test,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), keyPath, certPath };
}

export interface LineClient {
  socket: net.Socket;
  write(text: string | Uint8Array): void;
  /** The next complete reply (all its lines), or "" when the server closed. */
  reply(): Promise<string>;
  /** Upgrades to TLS (after a 220 to STARTTLS). */
  starttls(): Promise<void>;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
  end(): void;
}

export function lineClient(socket: net.Socket): LineClient {
  let buf = '';
  let waiters: (() => void)[] = [];
  let isClosed = false;
  let sock = socket;
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const onData = (d: Buffer) => {
    buf += d.toString('utf8');
    wake();
  };
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  const attach = (s: net.Socket) => {
    s.on('data', onData);
    s.on('close', () => {
      isClosed = true;
      resolveClosed();
      wake();
    });
    s.on('error', () => {});
  };
  attach(sock);
  const c: LineClient = {
    get socket() {
      return sock;
    },
    write: (t) => sock.write(t),
    async reply() {
      for (;;) {
        const m = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\n/.exec(buf);
        if (m) {
          buf = buf.slice(m[0].length);
          return m[0];
        }
        if (isClosed) return '';
        await new Promise<void>((r) => waiters.push(r));
      }
    },
    starttls() {
      return new Promise((resolve, reject) => {
        sock.removeListener('data', onData);
        const s = tls.connect({ socket: sock, rejectUnauthorized: false, servername: 'mx.test' }, () =>
          resolve(),
        );
        s.on('error', reject);
        sock = s;
        s.on('data', onData);
      });
    },
    closed,
    end: () => sock.end(),
  };
  return c;
}

export function connect(port: number, host = '127.0.0.1'): Promise<LineClient> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host, () => resolve(lineClient(s)));
    s.once('error', reject);
  });
}

export function connectTls(port: number): Promise<LineClient> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () =>
      resolve(lineClient(s)),
    );
    s.once('error', reject);
  });
}

/** Sends a command and returns its reply. */
export async function say(c: LineClient, line: string): Promise<string> {
  c.write(`${line}\r\n`);
  return c.reply();
}
