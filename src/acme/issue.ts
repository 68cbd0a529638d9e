// One certificate, start to end: the account, an order for the names, a DNS-01 challenge
// per authorization published on our primary, validation, finalize with a fresh key's CSR,
// the chain. Challenge records are removed whatever happens, so none outlives the order.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AcmeClient } from './client.js';
import { createCsr } from './csr.js';
import { type ChallengePublisher, challengeName, challengeValue } from './dns01.js';

export type AcmeLog = (event: string, fields?: Record<string, string | number | boolean | string[]>) => void;

export interface IssueOptions {
  client: AcmeClient;
  names: string[];
  publisher: ChallengePublisher;
  contact?: string[];
  /** The certificate's key; a new P-256 key when absent (a renewal gets a new key too). */
  certKey?: KeyObject;
  log?: AcmeLog;
}

export interface Issued {
  certKey: KeyObject;
  /** The chain in PEM, leaf first. */
  fullchain: string;
  orderUrl: string;
}

export function newCertificateKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

export async function issueCertificate(opts: IssueOptions): Promise<Issued> {
  const { client, publisher } = opts;
  const log = opts.log ?? (() => {});
  const account = await client.ensureAccount(opts.contact);
  log('account', { account });
  const order = await client.newOrder(opts.names);
  log('order', { order: order.url, names: opts.names });
  const published: { name: string; value: string }[] = [];
  try {
    const pending = [];
    for (const url of order.authorizations) {
      const authz = await client.getAuthorization(url);
      if (authz.status === 'valid') continue;
      const challenge = authz.challenges.find((c) => c.type === 'dns-01');
      if (!challenge) throw new Error(`the CA offers no dns-01 challenge for ${authz.identifier.value}`);
      const identifier = `${authz.wildcard ? '*.' : ''}${authz.identifier.value}`;
      const name = challengeName(authz.identifier.value);
      const value = challengeValue(challenge.token, client.accountKey);
      await publisher.add(name, value);
      published.push({ name, value });
      log('challenge-published', { name, identifier });
      pending.push({ authz, challenge, identifier });
    }
    for (const { challenge } of pending) await client.respond(challenge);
    for (const { authz, identifier } of pending) {
      await client.waitAuthorization(authz.url);
      log('authorized', { identifier });
    }
  } finally {
    for (const p of published) {
      try {
        await publisher.remove(p.name, p.value);
        log('challenge-removed', { name: p.name });
      } catch (err) {
        log('challenge-remove-failed', { name: p.name, error: (err as Error).message });
      }
    }
  }
  const ready = await client.waitOrder(order.url, ['ready', 'valid']);
  const certKey = opts.certKey ?? newCertificateKey();
  const done =
    ready.status === 'valid' ? ready : await client.finalize(ready, createCsr(opts.names, certKey));
  if (!done.certificate) throw new Error(`order ${order.url} is valid but names no certificate`);
  const fullchain = await client.downloadCertificate(done.certificate);
  log('issued', { order: order.url, names: opts.names });
  return { certKey, fullchain, orderUrl: order.url };
}
