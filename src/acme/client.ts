// An RFC 8555 client: the directory, nonces (a badNonce answer is retried with the fresh
// nonce it carries, §6.5), JWS-signed POSTs and POST-as-GET, accounts (creation with terms
// agreed, key rollover §7.3.5), orders, authorizations, challenges, finalize, certificate
// download, and renewal information (RFC 9773) where the CA offers it. HTTP goes through an
// injected transport; waiting goes through an injected sleep, so tests need no clock.
import type { KeyObject } from 'node:crypto';
import type { HttpResponse, HttpTransport } from './http.js';
import { b64url, publicJwk, signJws } from './jws.js';

export interface Directory {
  newNonce: string;
  newAccount: string;
  newOrder: string;
  revokeCert?: string;
  keyChange?: string;
  renewalInfo?: string;
  meta?: { termsOfService?: string; externalAccountRequired?: boolean };
}

export interface Identifier {
  type: 'dns';
  value: string;
}

export interface Order {
  url: string;
  status: 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
  identifiers: Identifier[];
  authorizations: string[];
  finalize: string;
  certificate?: string;
  error?: Problem;
}

export interface Challenge {
  type: string;
  url: string;
  token: string;
  status: 'pending' | 'processing' | 'valid' | 'invalid';
  error?: Problem;
}

export interface Authorization {
  url: string;
  identifier: Identifier;
  status: 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired' | 'revoked';
  challenges: Challenge[];
  wildcard?: boolean;
}

export interface Problem {
  type?: string;
  detail?: string;
  subproblems?: Problem[];
}

/** A problem document from the CA (RFC 8555 §6.7), or a protocol failure of ours. */
export class AcmeError extends Error {
  override name = 'AcmeError';
  /** Worth retrying later: the CA overloaded, rate-limiting, or slow to settle. A rejection is not. */
  readonly transient: boolean;

  constructor(
    message: string,
    readonly problem?: Problem,
    readonly status?: number,
    transient?: boolean,
  ) {
    super(message);
    const type = problem?.type ?? '';
    this.transient =
      transient ??
      ((status !== undefined && status >= 500) || /:(rateLimited|serverInternal|badNonce)$/.test(type));
  }
}

export interface AcmeClientOptions {
  directoryUrl: string;
  http: HttpTransport;
  accountKey: KeyObject;
  /** The account URL when already known (saved from an earlier run). */
  accountUrl?: string | undefined;
  sleep?: (ms: number) => Promise<void>;
  /** How long to wait for an authorization or an order to settle. */
  pollTimeoutMs?: number;
}

const BAD_NONCE_RETRIES = 5;

export class AcmeClient {
  private directory: Directory | undefined;
  private nonce: string | undefined;
  private readonly sleep: (ms: number) => Promise<void>;
  accountKey: KeyObject;
  accountUrl: string | undefined;

  constructor(private readonly opts: AcmeClientOptions) {
    this.accountKey = opts.accountKey;
    this.accountUrl = opts.accountUrl;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async getDirectory(): Promise<Directory> {
    if (this.directory) return this.directory;
    const res = await this.opts.http.request('GET', this.opts.directoryUrl);
    if (res.status !== 200)
      throw new AcmeError(
        `directory ${this.opts.directoryUrl} answered ${res.status}`,
        undefined,
        res.status,
      );
    const dir = json(res) as Directory;
    if (!dir.newNonce || !dir.newAccount || !dir.newOrder)
      throw new AcmeError('the directory lacks newNonce, newAccount or newOrder');
    this.directory = dir;
    return dir;
  }

  private async freshNonce(): Promise<string> {
    const dir = await this.getDirectory();
    const res = await this.opts.http.request('HEAD', dir.newNonce);
    const nonce = res.headers['replay-nonce'];
    if (!nonce) throw new AcmeError(`no Replay-Nonce from ${dir.newNonce}`, undefined, res.status);
    return nonce;
  }

  /** A signed POST (payload undefined: POST-as-GET), retried on badNonce with the nonce given back. */
  async post(
    url: string,
    payload: unknown,
    opts: { jwk?: boolean; key?: KeyObject } = {},
  ): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const nonce = this.nonce ?? (await this.freshNonce());
      this.nonce = undefined;
      const key = opts.key ?? this.accountKey;
      const header: Record<string, unknown> = { nonce, url };
      if (opts.jwk || !this.accountUrl) header.jwk = publicJwk(key);
      else header.kid = this.accountUrl;
      const body = JSON.stringify(signJws(key, header, payload));
      const res = await this.opts.http.request('POST', url, body);
      this.nonce = res.headers['replay-nonce'];
      if (res.status < 400) return res;
      const problem = tryJson(res) as Problem | undefined;
      if (problem?.type === 'urn:ietf:params:acme:error:badNonce' && attempt < BAD_NONCE_RETRIES) continue;
      throw new AcmeError(describe(url, res.status, problem), problem, res.status);
    }
  }

  /** Creates the account, or finds it when the key already has one (RFC 8555 §7.3, §7.3.1). */
  async ensureAccount(contact: string[] = []): Promise<string> {
    if (this.accountUrl) return this.accountUrl;
    const dir = await this.getDirectory();
    const res = await this.post(
      dir.newAccount,
      { termsOfServiceAgreed: true, ...(contact.length ? { contact } : {}) },
      { jwk: true },
    );
    const url = res.headers.location;
    if (!url) throw new AcmeError('the CA created an account without a Location');
    this.accountUrl = url;
    return url;
  }

  async newOrder(names: string[]): Promise<Order> {
    const dir = await this.getDirectory();
    const res = await this.post(dir.newOrder, {
      identifiers: names.map((value) => ({ type: 'dns', value })),
    });
    const url = res.headers.location;
    if (!url) throw new AcmeError('the CA created an order without a Location');
    return { ...(json(res) as Order), url };
  }

  async getOrder(url: string): Promise<Order> {
    return { ...(json(await this.post(url, undefined)) as Order), url };
  }

  async getAuthorization(url: string): Promise<Authorization> {
    return { ...(json(await this.post(url, undefined)) as Authorization), url };
  }

  /** Tells the CA a challenge is ready to be validated (§7.5.1). */
  async respond(challenge: Challenge): Promise<void> {
    await this.post(challenge.url, {});
  }

  /** Polls an authorization until it is valid; a failed validation throws with the CA's reason. */
  async waitAuthorization(url: string): Promise<Authorization> {
    return this.poll(url, async () => {
      const authz = await this.getAuthorization(url);
      if (authz.status === 'valid') return authz;
      if (authz.status !== 'pending') {
        const failed = authz.challenges.find((c) => c.error);
        throw new AcmeError(
          `authorization of ${authz.identifier.value} is ${authz.status}${failed?.error ? `: ${failed.error.detail ?? failed.error.type}` : ''}`,
          failed?.error,
        );
      }
      return undefined;
    });
  }

  /** Polls an order until it reaches one of the wanted states. */
  async waitOrder(url: string, want: Order['status'][]): Promise<Order> {
    return this.poll(url, async () => {
      const order = await this.getOrder(url);
      if (want.includes(order.status)) return order;
      if (order.status === 'invalid') {
        throw new AcmeError(
          `order ${url} is invalid${order.error ? `: ${order.error.detail}` : ''}`,
          order.error,
        );
      }
      return undefined;
    });
  }

  async finalize(order: Order, csrDer: Uint8Array): Promise<Order> {
    await this.post(order.finalize, { csr: b64url(csrDer) });
    return this.waitOrder(order.url, ['valid']);
  }

  /** The PEM chain, leaf first (§7.4.2). */
  async downloadCertificate(url: string): Promise<string> {
    const res = await this.post(url, undefined);
    const pem = res.body.toString('utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new AcmeError(`no PEM certificate at ${url}`);
    return pem;
  }

  /** Account key rollover (§7.3.5): the new key signs the inner JWS, the old one the outer. */
  async rolloverKey(newKey: KeyObject): Promise<void> {
    const dir = await this.getDirectory();
    if (!dir.keyChange) throw new AcmeError('the CA offers no key change');
    const account = await this.ensureAccount();
    const inner = signJws(
      newKey,
      { jwk: publicJwk(newKey), url: dir.keyChange },
      { account, oldKey: publicJwk(this.accountKey) },
    );
    await this.post(dir.keyChange, inner);
    this.accountKey = newKey;
  }

  /** The CA's suggested renewal window (RFC 9773), or undefined when it offers none. */
  async renewalWindow(certId: string): Promise<{ start: Date; end: Date } | undefined> {
    const dir = await this.getDirectory();
    if (!dir.renewalInfo) return undefined;
    const res = await this.opts.http.request('GET', `${dir.renewalInfo.replace(/\/$/, '')}/${certId}`);
    if (res.status !== 200) return undefined;
    const w = (json(res) as { suggestedWindow?: { start?: string; end?: string } }).suggestedWindow;
    if (!w?.start || !w.end) return undefined;
    return { start: new Date(w.start), end: new Date(w.end) };
  }

  private async poll<T>(url: string, step: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + (this.opts.pollTimeoutMs ?? 120_000);
    for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
      const done = await step();
      if (done !== undefined) return done;
      if (Date.now() > deadline)
        throw new AcmeError(`${url} did not settle in time`, undefined, undefined, true);
      await this.sleep(delay);
    }
  }
}

function tryJson(res: HttpResponse): unknown {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function json(res: HttpResponse): unknown {
  const v = tryJson(res);
  if (v === undefined || typeof v !== 'object' || v === null)
    throw new AcmeError('the CA answered with something other than JSON');
  return v;
}

function describe(url: string, status: number, p: Problem | undefined): string {
  if (!p) return `${url} answered ${status}`;
  const sub = p.subproblems
    ?.map((s) => s.detail)
    .filter(Boolean)
    .join('; ');
  return `${p.type?.replace('urn:ietf:params:acme:error:', '') ?? status}: ${p.detail ?? ''}${sub ? ` (${sub})` : ''}`;
}
