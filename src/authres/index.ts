// The Authentication-Results area (RFC 8601): the field parsed into typed results, written
// from the entries the other areas format, and forged fields claiming our authserv-id
// removed from a message as it streams (§5). Other areas import only this file.
export {
  AuthResError,
  type AuthResFilter,
  type AuthResFilterOptions,
  createAuthResFilter,
} from './filter.js';
export { authResValue, formatAuthResMethod, formatAuthResultsField } from './format.js';
export {
  type AuthResEntries,
  type AuthResMethod,
  type AuthResProperty,
  type AuthResults,
  authResultsEntries,
  parseAuthResults,
  parseAuthservId,
} from './parse.js';
