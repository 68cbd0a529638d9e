// Command lines (RFC 5321 §4.1.1) and the MAIL/RCPT parameters of the extensions we
// implement: SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET/ENVID/NOTIFY/ORCPT
// (DSN, RFC 3461), AUTH (RFC 4954 §5). A parse error carries the reply it deserves.
import { type Address, parsePath } from './address.js';
import { type Reply, reply } from './reply.js';

export interface MailParams {
  size?: number;
  body?: '7BIT' | '8BITMIME';
  smtputf8?: boolean;
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  auth?: string;
}

export interface RcptParams {
  notify?: ('NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY')[];
  orcpt?: string;
}

export type Command =
  | { verb: 'HELO' | 'EHLO'; domain: string }
  | { verb: 'MAIL'; from: Address | null; params: MailParams }
  | { verb: 'RCPT'; to: Address; postmaster: boolean; params: RcptParams }
  | { verb: 'DATA' | 'RSET' | 'QUIT' | 'STARTTLS' | 'NOOP' | 'HELP' }
  | { verb: 'VRFY' | 'EXPN'; arg: string }
  | { verb: 'BDAT'; size: number; last: boolean }
  | { verb: 'AUTH'; mechanism: string; initial?: string };

export type CommandResult = { ok: true; command: Command } | { ok: false; reply: Reply };

const err = (code: number, enh: string, text: string): CommandResult => ({
  ok: false,
  reply: reply(code, enh, text),
});

export interface CommandOptions {
  /** The extensions advertised: parameters of others are refused (RFC 5321 §4.1.1.11). */
  smtputf8: boolean;
  dsn: boolean;
  /** The current transaction's MAIL carried SMTPUTF8: recipients may be UTF-8. */
  utf8Transaction: boolean;
}

export function parseCommand(line: string, opts: CommandOptions): CommandResult {
  const sp = line.indexOf(' ');
  const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
  const arg = sp < 0 ? '' : line.slice(sp + 1);
  switch (verb) {
    case 'HELO':
    case 'EHLO': {
      const domain = arg.trim();
      if (!domain || /\s/.test(domain)) return err(501, '5.5.4', `Syntax: ${verb} hostname`);
      return { ok: true, command: { verb, domain } };
    }
    case 'MAIL':
      return parseMail(arg, opts);
    case 'RCPT':
      return parseRcpt(arg, opts);
    case 'DATA':
    case 'RSET':
    case 'QUIT':
    case 'STARTTLS':
      if (arg.trim()) return err(501, '5.5.4', `Syntax: ${verb} takes no argument`);
      return { ok: true, command: { verb } };
    case 'NOOP':
    case 'HELP':
      return { ok: true, command: { verb } };
    case 'VRFY':
    case 'EXPN':
      if (!arg.trim()) return err(501, '5.5.4', `Syntax: ${verb} address`);
      return { ok: true, command: { verb, arg: arg.trim() } };
    case 'BDAT': {
      const m = /^(\d{1,15})(?: +(LAST))? *$/i.exec(arg);
      if (!m) return err(501, '5.5.4', 'Syntax: BDAT size [LAST]');
      return { ok: true, command: { verb, size: Number(m[1]), last: m[2] !== undefined } };
    }
    case 'AUTH': {
      const m = /^([A-Za-z0-9_-]{1,20})(?: +(\S+))? *$/.exec(arg);
      if (!m) return err(501, '5.5.4', 'Syntax: AUTH mechanism [initial-response]');
      const command: Command = { verb, mechanism: (m[1] as string).toUpperCase() };
      if (m[2] !== undefined) command.initial = m[2];
      return { ok: true, command };
    }
    default:
      return err(500, '5.5.1', 'Command unrecognized');
  }
}

// "FROM:" then the path; a space after the colon is tolerated (common, harmless).
function splitPath(arg: string, keyword: string): string | undefined {
  if (arg.slice(0, keyword.length).toUpperCase() !== keyword) return undefined;
  return arg.slice(keyword.length).replace(/^ +/, '');
}

interface Param {
  key: string;
  value: string | undefined;
}

function parseParams(text: string): Param[] | undefined {
  const out: Param[] = [];
  for (const tok of text.split(' ')) {
    if (tok === '') continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*)(?:=([^\s=\x00-\x1f\x7f]+))?$/.exec(tok);
    if (!m) return undefined;
    out.push({ key: (m[1] as string).toUpperCase(), value: m[2] });
  }
  return out;
}

// RFC 3461 §4: xtext is printable ASCII with "+XX" escapes; no "=" or space.
function isXtext(s: string): boolean {
  return /^(?:[\x21-\x2a\x2c-\x3c\x3e-\x7e]|\+[0-9A-F]{2})+$/.test(s);
}

function pathError(reason: string, utf8: boolean | undefined, what: string): CommandResult {
  if (utf8) return err(553, '5.6.7', `Non-ASCII ${what} address needs SMTPUTF8`);
  return err(501, what === 'sender' ? '5.1.7' : '5.1.3', `Bad ${what} address syntax: ${reason}`);
}

function parseMail(arg: string, opts: CommandOptions): CommandResult {
  const rest = splitPath(arg, 'FROM:');
  if (rest === undefined) return err(501, '5.5.4', 'Syntax: MAIL FROM:<address>');
  // SMTPUTF8 is a parameter after the path, yet it decides how the path is read.
  const utf8Asked = opts.smtputf8 && /(?:^| )SMTPUTF8(?: |$)/i.test(rest.slice(rest.lastIndexOf('>') + 1));
  const path = parsePath(rest, { utf8: utf8Asked, allowNull: true });
  if (!path.ok) return pathError(path.reason, path.utf8, 'sender');
  if (path.rest !== '' && !path.rest.startsWith(' ')) return err(501, '5.5.4', 'Syntax: MAIL FROM:<address>');
  const list = parseParams(path.rest);
  if (!list) return err(501, '5.5.4', 'Bad MAIL parameter syntax');
  const params: MailParams = {};
  const seen = new Set<string>();
  for (const { key, value } of list) {
    if (seen.has(key)) return err(501, '5.5.4', `Duplicate ${key} parameter`);
    seen.add(key);
    switch (key) {
      case 'SIZE':
        if (!value || !/^\d{1,20}$/.test(value)) return err(501, '5.5.4', 'Bad SIZE parameter');
        params.size = Number(value);
        break;
      case 'BODY': {
        const v = value?.toUpperCase();
        if (v === '7BIT' || v === '8BITMIME') params.body = v;
        else return err(555, '5.5.4', 'Unsupported BODY type');
        break;
      }
      case 'SMTPUTF8':
        if (!opts.smtputf8 || value !== undefined) return err(555, '5.5.4', 'Unsupported parameter SMTPUTF8');
        params.smtputf8 = true;
        break;
      case 'RET': {
        const v = value?.toUpperCase();
        if (!opts.dsn || (v !== 'FULL' && v !== 'HDRS')) return err(501, '5.5.4', 'Bad RET parameter');
        params.ret = v;
        break;
      }
      case 'ENVID':
        if (!opts.dsn || !value || value.length > 100 || !isXtext(value)) {
          return err(501, '5.5.4', 'Bad ENVID parameter');
        }
        params.envid = value;
        break;
      case 'AUTH':
        if (!value || !isXtext(value)) return err(501, '5.5.4', 'Bad AUTH parameter');
        params.auth = value;
        break;
      default:
        return err(555, '5.5.4', `Unsupported parameter ${key}`);
    }
  }
  return { ok: true, command: { verb: 'MAIL', from: path.address, params } };
}

function parseRcpt(arg: string, opts: CommandOptions): CommandResult {
  const rest = splitPath(arg, 'TO:');
  if (rest === undefined) return err(501, '5.5.4', 'Syntax: RCPT TO:<address>');
  let to: Address;
  let after: string;
  let postmaster = false;
  // RFC 5321 §4.1.1.3: "<Postmaster>" without a domain must be accepted.
  const pm = /^<postmaster>/i.exec(rest);
  if (pm) {
    to = { local: 'postmaster', domain: '' };
    after = rest.slice(pm[0].length);
    postmaster = true;
  } else {
    const path = parsePath(rest, { utf8: opts.utf8Transaction, allowNull: false });
    if (!path.ok || !path.address) {
      return pathError(path.ok ? 'null path' : path.reason, path.ok ? false : path.utf8, 'recipient');
    }
    to = path.address;
    after = path.rest;
  }
  if (after !== '' && !after.startsWith(' ')) return err(501, '5.5.4', 'Syntax: RCPT TO:<address>');
  const list = parseParams(after);
  if (!list) return err(501, '5.5.4', 'Bad RCPT parameter syntax');
  const params: RcptParams = {};
  for (const { key, value } of list) {
    if (key === 'NOTIFY' && opts.dsn && value) {
      const words = value.toUpperCase().split(',');
      const ok = words.every((w) => ['NEVER', 'SUCCESS', 'FAILURE', 'DELAY'].includes(w));
      // RFC 3461 §4.1: NEVER stands alone.
      if (!ok || (words.includes('NEVER') && words.length > 1))
        return err(501, '5.5.4', 'Bad NOTIFY parameter');
      params.notify = words as RcptParams['notify'];
    } else if (key === 'ORCPT' && opts.dsn && value && /^[A-Za-z0-9-]+;./.test(value)) {
      params.orcpt = value;
    } else {
      return err(555, '5.5.4', `Unsupported parameter ${key}`);
    }
  }
  return { ok: true, command: { verb: 'RCPT', to, postmaster, params } };
}
