// DKIM key rotation. The decisions are pure (`planRotation`: which key signs, what to verify,
// generate or retire, given the keys, their ages and the clock); `KeyRotation` is the shell
// that runs them against the store (private keys), the primary (TSIG-signed UPDATEs) and the
// resolver (is the record visible yet?).
//
// The rules, per domain and per key type (RSA and Ed25519), keys taken newest first:
// - a key signs only once its record is seen through the resolver; until then the newest
//   older key that is seen keeps signing (when none is known yet, as after a restart, the
//   second newest, which was seen before the newest was made; or the only key: a domain's
//   first keys are in its zone from `domain add`);
// - the newest key not seen yet is published (UPDATE add, idempotent) and watched;
// - when every newest key is seen and one is older than `rotateEvery`, a new pair is made;
// - older keys are retired (record deleted, private key file removed) once the newest has
//   been signing for `grace`.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { type GeneratedKey, generateKey, type KeygenAlgorithm, publicKeyRecord } from '../../dkim/index.js';
import { type Resolver, TYPE, txtString } from '../../dns/index.js';
import type { DkimKey, Store } from '../../store/index.js';
import type { Logger } from '../log.js';

export type KeyType = 'rsa' | 'ed25519';
const TYPES: readonly KeyType[] = ['rsa', 'ed25519'];

export interface KeyState {
  selector: string;
  type: KeyType;
  /** When the key was made (ms). */
  created: number;
  /** Whether its record has been seen through the resolver. */
  visible: boolean;
  /** When it was seen to become visible, when known (ms); else `created` stands for it. */
  activeSince?: number | undefined;
}

export interface RotationPolicy {
  /** Age of the newest key that calls for a new pair; 0: never. */
  rotateEveryMs: number;
  /** How long older keys stay published once the newest signs. */
  graceMs: number;
}

export type RotationAction =
  | { kind: 'verify'; type: KeyType; selector: string }
  | { kind: 'generate'; selectors: Record<KeyType, string> }
  | { kind: 'retire'; type: KeyType; selector: string };

export interface RotationPlan {
  /** The selector that signs, per type present. */
  active: Partial<Record<KeyType, string>>;
  actions: RotationAction[];
}

function stamp(now: Date): string[] {
  const iso = now.toISOString(); // 2026-11-29T11:33:48.123Z
  const ymd = iso.slice(0, 10).replace(/-/g, '');
  const hm = iso.slice(11, 16).replace(':', '');
  const s = iso.slice(17, 19);
  return [ymd.slice(0, 6), ymd, `${ymd}${hm}`, `${ymd}${hm}${s}`];
}

/**
 * Selectors for a new pair, named as the store names them (docs/store.md): `r<yyyymm>` and
 * `e<yyyymm>`; when that month is taken (a rotation in the month of `domain add`), the day,
 * then the minute, then the second, so that the new pair always sorts newest.
 */
export function newSelectors(now: Date, taken: ReadonlySet<string>): Record<KeyType, string> {
  const forms = stamp(now);
  let n = 1;
  for (;;) {
    for (const f of forms) {
      const date = n === 1 ? f : `${forms[3]}-${n}`;
      if (!taken.has(`r${date}`) && !taken.has(`e${date}`)) return { rsa: `r${date}`, ed25519: `e${date}` };
      if (n > 1) break;
    }
    n++;
  }
}

/**
 * The key that signs when none is known to be visible (a restart, before the first check):
 * the second newest, which was seen before the newest was made and stays published until
 * the newest is seen, or the only one (a domain's first keys are in its zone).
 */
function fallback<T>(list: readonly T[]): T | undefined {
  return list[1] ?? list[0];
}

/** The decisions for one domain; `keys` newest first, as `store.dkimKeys` gives them. */
export function planRotation(keys: readonly KeyState[], now: number, policy: RotationPolicy): RotationPlan {
  const plan: RotationPlan = { active: {}, actions: [] };
  let pending = false;
  let due = false;
  for (const type of TYPES) {
    const list = keys.filter((k) => k.type === type);
    const newest = list[0];
    if (!newest) continue;
    plan.active[type] = (list.find((k) => k.visible) ?? fallback(list) ?? newest).selector;
    if (!newest.visible) {
      pending = true;
      plan.actions.push({ kind: 'verify', type, selector: newest.selector });
      continue;
    }
    const since = newest.activeSince ?? newest.created;
    if (now - since >= policy.graceMs)
      for (const old of list.slice(1)) plan.actions.push({ kind: 'retire', type, selector: old.selector });
    if (policy.rotateEveryMs > 0 && now - newest.created >= policy.rotateEveryMs) due = true;
  }
  if (due && !pending)
    plan.actions.push({
      kind: 'generate',
      selectors: newSelectors(new Date(now), new Set(keys.map((k) => k.selector))),
    });
  return plan;
}

// ---------------------------------------------------------------------------------------
// The shell

/** Puts TXT records in a zone and takes them out (the primary through TSIG UPDATE; fakes in tests). */
export interface KeyPublisher {
  add(name: string, value: string): Promise<void>;
  remove(name: string, value: string): Promise<void>;
}

export interface KeyRotationOptions {
  store: Store;
  /** Where visibility is checked; absent: every key counts as visible (no rotation). */
  resolver?: Resolver | undefined;
  /** The publisher for a domain; absent: no publishing, no rotation. */
  publisher?: ((domain: string) => Promise<KeyPublisher>) | undefined;
  policy: RotationPolicy;
  now?: () => number;
  /** How often the resolver is asked while waiting for a new record (ms, default 5000). */
  pollMs?: number;
  /** How long to wait for a record to be visible before giving up until the next check (default 15 min). */
  visibleTimeoutMs?: number;
  generate?: (algorithm: KeygenAlgorithm) => Promise<GeneratedKey>;
  log: Logger;
}

function keyType(k: DkimKey): KeyType {
  return k.key.key.asymmetricKeyType === 'ed25519' ? 'ed25519' : 'rsa';
}

/** The p= of a key record, white space removed. */
function pValue(record: string): string | undefined {
  const m = /(?:^|;)\s*p\s*=([^;]*)/.exec(record);
  return m?.[1]?.replace(/\s+/g, '');
}

export function recordName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}.`;
}

export class KeyRotation {
  readonly counters = { generated: 0, published: 0, retired: 0, failures: 0, ticks: 0 };
  /** domain/selector → when seen becoming visible (undefined: already visible when first asked). */
  readonly #visible = new Map<string, number | undefined>();
  /** domain/selector → when this process made it (by its clock); others are dated by their file. */
  readonly #created = new Map<string, number>();
  readonly #o: KeyRotationOptions;
  readonly #now: () => number;
  #running: Promise<void> | undefined;
  #closed = false;
  #wake = new Set<() => void>();

  constructor(o: KeyRotationOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /** Whether keys are checked and rotated at all (a resolver and a publisher are configured). */
  get enabled(): boolean {
    return this.#o.resolver !== undefined && this.#o.publisher !== undefined;
  }

  #isVisible(domain: string, selector: string): boolean {
    return !this.enabled || this.#visible.has(`${domain}/${selector}`);
  }

  /** The keys to sign with now: one per type present (see planRotation). */
  signingKeys(domain: string, keys: readonly DkimKey[]): DkimKey[] {
    const out: DkimKey[] = [];
    for (const type of TYPES) {
      const list = keys.filter((k) => keyType(k) === type);
      const k = list.find((x) => this.#isVisible(domain, x.selector)) ?? fallback(list);
      if (k) out.push(k);
    }
    return out;
  }

  async #states(domain: string, keys: readonly DkimKey[]): Promise<KeyState[]> {
    return Promise.all(
      keys.map(async (k) => {
        const st = await fs.stat(join(this.#o.store.dir, k.file)).catch(() => undefined);
        const id = `${domain}/${k.selector}`;
        return {
          selector: k.selector,
          type: keyType(k),
          created: this.#created.get(id) ?? st?.mtimeMs ?? this.#now(),
          visible: this.#isVisible(domain, k.selector),
          activeSince: this.#visible.get(id),
        };
      }),
    );
  }

  /** One check of every hosted domain; concurrent calls share the run in progress. */
  tick(): Promise<void> {
    if (!this.#running)
      this.#running = this.#tick().finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async #tick(): Promise<void> {
    if (!this.enabled || this.#closed) return;
    this.counters.ticks++;
    try {
      await this.#o.store.refresh();
    } catch (e) {
      this.#o.log('store-error', { error: (e as Error).message });
    }
    for (const domain of this.#o.store.domains()) {
      if (this.#closed) return;
      try {
        await this.checkDomain(domain);
      } catch (e) {
        this.counters.failures++;
        this.#o.log('rotation-failed', { domain, error: (e as Error).message });
      }
    }
  }

  async #plan(domain: string): Promise<{ plan: RotationPlan; keys: Map<string, DkimKey> }> {
    const keys = await this.#o.store.dkimKeys(domain);
    const plan = planRotation(await this.#states(domain, keys), this.#now(), this.#o.policy);
    return { plan, keys: new Map(keys.map((k) => [k.selector, k])) };
  }

  /**
   * Runs the plan of one domain: first the newest keys not yet seen are checked (and
   * published when missing), then the plan is made again with what was learnt, and keys are
   * made or retired.
   */
  async checkDomain(domain: string): Promise<RotationPlan> {
    const { store, log } = this.#o;
    let { plan, keys } = await this.#plan(domain);
    const verify = plan.actions.filter((a) => a.kind === 'verify');
    for (const a of verify) {
      const k = keys.get(a.selector);
      if (k && !this.#closed) await this.#ensureVisible(domain, a.selector, publicKeyRecord(k.key), true);
    }
    if (verify.length > 0) ({ plan, keys } = await this.#plan(domain));
    for (const a of plan.actions) {
      if (this.#closed) break;
      if (a.kind === 'generate') {
        const generate = this.#o.generate ?? generateKey;
        const [rsa, ed] = await Promise.all([generate('rsa-2048'), generate('ed25519')]);
        const made = [
          { selector: a.selectors.rsa, key: rsa },
          { selector: a.selectors.ed25519, key: ed },
        ];
        // The private keys are durable before their records exist: a crash between the two
        // leaves a key that the next check publishes.
        await store.addDkimKeys(
          domain,
          made.map((m) => ({ selector: m.selector, privateKeyPem: m.key.privateKeyPem })),
        );
        for (const m of made) this.#created.set(`${domain}/${m.selector}`, this.#now());
        this.counters.generated += made.length;
        log('dkim-generated', { domain, selectors: made.map((m) => m.selector) });
        for (const m of made) {
          if (this.#closed) break;
          await this.#ensureVisible(domain, m.selector, m.key.record, false);
        }
      } else if (a.kind === 'retire') {
        const k = keys.get(a.selector);
        if (!k) continue;
        const publisher = await this.#publisher(domain);
        // The record first: a key file without a record is harmless, the reverse is not.
        await publisher.remove(recordName(a.selector, domain), publicKeyRecord(k.key));
        await store.removeDkimKey(domain, a.selector);
        this.#visible.delete(`${domain}/${a.selector}`);
        this.#created.delete(`${domain}/${a.selector}`);
        this.counters.retired++;
        log('dkim-retired', { domain, selector: a.selector });
      }
    }
    return plan;
  }

  #publisher(domain: string): Promise<KeyPublisher> {
    const p = this.#o.publisher;
    if (!p) throw new Error('no publisher');
    return p(domain);
  }

  async #seen(domain: string, selector: string, record: string): Promise<boolean> {
    const resolver = this.#o.resolver;
    if (!resolver) return true;
    const want = pValue(record);
    const res = await resolver.resolve(recordName(selector, domain), TYPE.TXT);
    if (res.kind !== 'answer') return false;
    return res.records.some(
      (rr) => rr.type === TYPE.TXT && pValue(txtString(rr.data as Uint8Array[])) === want,
    );
  }

  /** Publishes the record unless the resolver shows it already, then waits until it does. */
  async #ensureVisible(domain: string, selector: string, record: string, askFirst: boolean): Promise<void> {
    const { log } = this.#o;
    const id = `${domain}/${selector}`;
    if (askFirst && (await this.#seen(domain, selector, record))) {
      this.#visible.set(id, undefined);
      log('dkim-visible', { domain, selector });
      return;
    }
    const publisher = await this.#publisher(domain);
    await publisher.add(recordName(selector, domain), record);
    this.counters.published++;
    log('dkim-published', { domain, selector });
    const deadline = Date.now() + (this.#o.visibleTimeoutMs ?? 15 * 60_000);
    for (;;) {
      await this.#sleep(this.#o.pollMs ?? 5000);
      if (this.#closed) return;
      if (await this.#seen(domain, selector, record)) {
        this.#visible.set(id, this.#now());
        log('dkim-visible', { domain, selector });
        return;
      }
      if (Date.now() > deadline)
        throw new Error(`${recordName(selector, domain)} is not visible through the resolver yet`);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.#wake.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.#wake.add(done);
    });
  }

  /** Stops waiting; a check in progress ends at its next step. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const w of [...this.#wake]) w();
    await this.#running;
  }
}
