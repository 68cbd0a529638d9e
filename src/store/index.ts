// The store (docs/store.md): hosted domains, users, aliases, DKIM and TSIG keys and zones as
// plain-text files in a git repository, every change one commit, as MirageOS's ptt keeps
// them. The relay, the submission service and the signer read it through `openStore`;
// `poste user|alias|domain` change it. Other areas import only this file.
export {
  type Address,
  addressKey,
  baseLocalPart,
  formatAddress,
  isLocalPart,
  parseAddress,
  parseDomain,
} from './address.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export {
  type AliasEntry,
  type AliasKey,
  type DomainEntry,
  formatAliasLine,
  formatUserLine,
  type Parsed,
  type Problem,
  parseAliases,
  parseDomains,
  parseUsers,
  type Target,
  type UserEntry,
} from './files.js';
export { acquireLock, type Lock, type LockOptions } from './lock.js';
export {
  checkPassword,
  DEFAULT_SCRYPT,
  hashPassword,
  type PasswordHash,
  parsePasswordHash,
  type ScryptParams,
} from './password.js';
export {
  buildSnapshot,
  type Recipient,
  type ResolveLimits,
  resolveRecipient,
  type Snapshot,
} from './resolve.js';
export {
  type AliasInfo,
  type Change,
  type DkimKey,
  type DomainAdded,
  type DomainOptions,
  openStore,
  STORE_FILES,
  Store,
  type StoreOptions,
} from './store.js';
export { buildZone, dmarcRecord, SPF_RECORD, serialFor, type ZoneSpec } from './zone.js';
