// The SMTP area: replies, commands and addresses, the server and client state machines
// (sans-I/O), the DATA transfer codec, and 8BITMIME down-conversion. Shells (sockets,
// TLS, timers) live in services/; other areas import only this file.
export * from './address.js';
export * from './client.js';
export * from './command.js';
export * from './dot.js';
export * from './downconvert.js';
export * from './drive.js';
export * from './message-source.js';
export * from './mx.js';
export * from './received.js';
export * from './reply.js';
export * from './server.js';
export * from './trace.js';
