// The corpus area (issue 3): generators of valid and wild emails, deterministic per
// (seed, index), the writer that renders them, mbox files, and the round-trip check.
export * from './arbitraries.js';
export * from './generate.js';
export * from './mbox.js';
export * from './render.js';
export * from './roundtrip.js';
