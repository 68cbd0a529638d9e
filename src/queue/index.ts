// The queue area: a durable spool (every message fsynced before it is acknowledged, state
// changed by atomic renames), delivery with retries, backoff and per-destination limits,
// and delivery status notifications (RFC 3464). Other areas import only this file.
export * from './dsn.js';
export * from './envelope.js';
export * from './mail-queue.js';
export * from './route.js';
export * from './schedule.js';
export * from './scheduler.js';
export * from './transport.js';
