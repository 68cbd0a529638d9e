// The store's errors: a stable code, one line of message, the cause chained.
export type StoreErrorCode =
  /** The directory is not a store (not a git repository), and creating it was not asked. */
  | 'no-store'
  /** An argument is malformed: an address, a domain, an IP. */
  | 'invalid'
  /** A file of the store does not parse (the message names file and line). */
  | 'bad-data'
  /** The user, alias target or domain is there already. */
  | 'exists'
  /** No such user, alias, target or domain. */
  | 'not-found'
  /** The address's domain is not hosted here. */
  | 'not-hosted'
  /** The change would make an alias loop. */
  | 'loop'
  /** Another writer holds the lock past our timeout. */
  | 'lock-busy'
  /** git or the file system failed; nothing was changed. */
  | 'io';

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
