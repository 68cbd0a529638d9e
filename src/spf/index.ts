// The SPF area (RFC 7208): records parsed into typed terms, the macro language, check_host()
// over a DNS Resolver, and the results as Received-SPF and Authentication-Results text.
// Other areas import only this file.
export * from './evaluate.js';
export * from './format.js';
export * from './macro.js';
export * from './names.js';
export * from './record.js';
