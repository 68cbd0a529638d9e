// The DMARC area (RFC 9989, which replaced RFC 7489): policy records, discovery by the DNS
// Tree Walk with the psd= rules (no public suffix list), Identifier Alignment, the verdict
// for a message from the SPF and DKIM results the caller has, and Authentication-Results
// text. Other areas import only this file.
export { type AlignmentOutcome, checkAlignment } from './alignment.js';
export {
  type AppliedPolicy,
  applyPolicy,
  discoverPolicy,
  needsExistence,
  type PolicyDiscovery,
  type PolicySource,
} from './discovery.js';
export { domainOfAddress, normalizeDomain } from './domain.js';
export {
  DEFAULT_DMARC_LIMITS,
  type DmarcInput,
  type DmarcLimits,
  type DmarcOptions,
  type DmarcResult,
  type DmarcVerdict,
  evaluateDmarc,
  type IdentifierAlignment,
  lookupPolicy,
  type PolicyLookup,
} from './evaluate.js';
export { authResultsClause, formatAuthResults } from './format.js';
export {
  type OrgDomainResult,
  oneLabelBelow,
  organizationalDomain,
  selectOrganizationalDomain,
} from './orgdomain.js';
export {
  type AlignmentMode,
  type Disposition,
  type DmarcRecord,
  type FailureOption,
  formatRecord,
  isDmarcRecord,
  type ParsedRecord,
  type PsdFlag,
  parseRecord,
  testingDowngrade,
} from './record.js';
export {
  DmarcDns,
  MAX_WALK_QUERIES,
  type RecordLookup,
  type TreeWalk,
  treeWalk,
  treeWalkNames,
} from './walk.js';
