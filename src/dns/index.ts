// The DNS area: the wire codec, names and addresses, zone files, zones and the answers of an
// authoritative server, UPDATE, TSIG, and the resolvers (in-memory zones, the stub client
// with its cache, the recursive resolver). Other areas import only this file.
export * from './authority.js';
export * from './cache.js';
export * from './catalog.js';
export * from './constants.js';
export * from './infra-cache.js';
export * from './ip.js';
export * from './name.js';
export * from './rdata-text.js';
export * from './recursive.js';
export * from './resolver.js';
export * from './root-hints.js';
export * from './rrl.js';
export * from './stub.js';
export * from './tsig.js';
export * from './tsig-keys.js';
export * from './types.js';
export * from './update.js';
export * from './wire.js';
export * from './zone.js';
export * from './zonefile.js';
