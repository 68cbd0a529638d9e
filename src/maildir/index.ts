// The maildir area: unique names and flags (pure), and a maildir on disk with durable
// delivery. Other areas import only this file.
export * from './maildir.js';
export * from './names.js';
