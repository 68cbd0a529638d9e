// The ACME area: an RFC 8555 client, DNS-01 through TSIG-signed UPDATEs to our primary,
// CSRs, renewal timing (RFC 9773), and the per-certificate state directory.
export * from './client.js';
export * from './csr.js';
export * from './dns01.js';
export * from './http.js';
export * from './issue.js';
export * from './jws.js';
export * from './local-ca.js';
export * from './manage.js';
export * from './renewal.js';
export * from './store.js';
