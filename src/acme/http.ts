// The HTTP the ACME client needs, over node:https: JSON requests with an optional extra CA
// (a test CA such as Pebble's), bounded response size and a timeout. The client takes the
// transport as an interface, so its protocol logic is tested without a network.
import https from 'node:https';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface HttpTransport {
  request(method: 'GET' | 'HEAD' | 'POST', url: string, body?: string): Promise<HttpResponse>;
}

export interface HttpsOptions {
  /** PEM of CA certificates trusted in addition to the system's (e.g. Pebble's). */
  ca?: string | undefined;
  timeoutMs?: number;
  /** Largest response accepted; a certificate chain is a few KB. */
  maxBytes?: number;
}

export class HttpError extends Error {
  override name = 'HttpError';
}

export function httpsTransport(opts: HttpsOptions = {}): HttpTransport {
  const agent = new https.Agent({ keepAlive: true, ...(opts.ca ? { ca: opts.ca } : {}) });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxBytes = opts.maxBytes ?? 1 << 20;
  return {
    request(method, url, body) {
      return new Promise((resolve, reject) => {
        const req = https.request(
          url,
          {
            method,
            agent,
            headers: {
              'user-agent': 'poste-acme',
              ...(body !== undefined ? { 'content-type': 'application/jose+json' } : {}),
            },
            timeout: timeoutMs,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > maxBytes)
                req.destroy(new HttpError(`response from ${url} larger than ${maxBytes} bytes`));
              else chunks.push(c);
            });
            res.on('end', () => {
              const headers: Record<string, string | undefined> = {};
              for (const [k, v] of Object.entries(res.headers))
                headers[k] = Array.isArray(v) ? v.join(', ') : v;
              resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new HttpError(`no answer from ${url} within ${timeoutMs} ms`)));
        req.on('error', (err) =>
          reject(err instanceof HttpError ? err : new HttpError(`${url}: ${err.message}`)),
        );
        req.end(body);
      });
    },
  };
}

/** The links of a Link header with the given rel (RFC 8288), e.g. "alternate" chains. */
export function links(header: string | undefined, rel: string): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const m of header.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]*)*)/g)) {
    if (new RegExp(`rel="?${rel}"?`).test(m[2] ?? '')) out.push(m[1] as string);
  }
  return out;
}
