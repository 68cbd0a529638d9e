// Service configuration: a JSON file checked against a small schema, so that a bad config is
// one clear error naming the key ("relay.listen: expected ADDR:PORT, got 25"), defaults are
// filled in, and unknown keys are refused (a typo never silently means "default").
import { readFile } from 'node:fs/promises';
import { parseServer } from '../dns/index.js';

export type FieldType = 'string' | 'integer' | 'boolean' | 'string[]' | 'address' | 'duration';

export interface Field {
  type: FieldType;
  doc: string;
  required?: boolean;
  default?: unknown;
  /** For integers. */
  min?: number;
  max?: number;
  /** For strings: the allowed values. */
  options?: readonly string[];
}

export interface ObjectField {
  type: 'object';
  doc: string;
  required?: boolean;
  fields: Schema;
}

export type Schema = Record<string, Field | ObjectField>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "300" (seconds), "250ms", "30s", "5m", "4h", "5d" → ms; undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(text.trim());
  return m ? Number(m[1]) * (UNITS[m[2] ?? 's'] as number) : undefined;
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function checkField(f: Field, v: unknown, key: string): unknown {
  const bad = (what: string) => new ConfigError(`${key}: expected ${what}, got ${describe(v)}`);
  switch (f.type) {
    case 'string':
      if (typeof v !== 'string') throw bad('a string');
      if (f.options && !f.options.includes(v)) throw bad(`one of ${f.options.join(', ')}`);
      return v;
    case 'integer': {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad('an integer');
      if ((f.min !== undefined && v < f.min) || (f.max !== undefined && v > f.max))
        throw bad(`an integer from ${f.min ?? '-∞'} to ${f.max ?? '∞'}`);
      return v;
    }
    case 'boolean':
      if (typeof v !== 'boolean') throw bad('true or false');
      return v;
    case 'string[]':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad('a list of strings');
      return v;
    case 'address': {
      if (typeof v !== 'string' || !/:\d+$/.test(v)) throw bad('ADDR:PORT');
      try {
        return parseServer(v, { listen: true });
      } catch {
        throw bad('ADDR:PORT');
      }
    }
    case 'duration': {
      const ms = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? parseDurationMs(v) : undefined;
      if (ms === undefined || !Number.isFinite(ms) || ms < 0) throw bad('a duration (300, 30s, 5m, 4h, 5d)');
      return ms;
    }
  }
}

/**
 * Checks `value` against `schema` and returns it with defaults filled in: addresses become
 * `{host, port}`, durations milliseconds. Throws ConfigError naming the first bad key.
 */
export function checkConfig<T>(schema: Schema, value: unknown, prefix: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(`${prefix}: expected an object, got ${describe(value)}`);
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj))
    if (!Object.hasOwn(schema, k))
      throw new ConfigError(`${prefix}.${k}: unknown key (known: ${Object.keys(schema).join(', ')})`);
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(schema)) {
    const key = `${prefix}.${k}`;
    const v = obj[k];
    if (v === undefined) {
      if (f.required) throw new ConfigError(`${key}: missing (${f.doc})`);
      if (f.type !== 'object' && f.default !== undefined) out[k] = checkField(f, f.default, key);
      continue;
    }
    out[k] = f.type === 'object' ? checkConfig(f.fields, v, key) : checkField(f, v, key);
  }
  return out as T;
}

export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path}: not JSON: ${(e as Error).message}`);
  }
}

/** The schema as documentation lines (for READMEs and --help). */
export function describeSchema(schema: Schema, prefix = ''): string[] {
  const lines: string[] = [];
  for (const [k, f] of Object.entries(schema)) {
    const name = `${prefix}${k}`;
    if (f.type === 'object') {
      lines.push(`| \`${name}\` | object | ${f.required ? 'required' : ''} | ${f.doc} |`);
      lines.push(...describeSchema(f.fields, `${name}.`));
    } else {
      const def = f.required ? 'required' : f.default === undefined ? '' : `\`${JSON.stringify(f.default)}\``;
      lines.push(`| \`${name}\` | ${f.type} | ${def} | ${f.doc} |`);
    }
  }
  return lines;
}

/** Runs a parse of one config value; its error becomes a ConfigError naming the key. */
export function keyed<T>(key: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new ConfigError(`${key}: ${(err as Error).message}`);
  }
}
