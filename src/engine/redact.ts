import type { RunEvent } from '../events/types.js';
import type { Vars } from '../inventory/types.js';
import { quote } from '../transport/shell-quote.js';

/**
 * Variable names whose values are secrets wherever they appear, at any depth (`creds.password`):
 * passwords (`*pass`, `*password`, `*passwd`, `*pwd`, `*passphrase`), `*secret`, `*token`,
 * `*credential(s)`, API keys (`apikey`, `api_key`), and private, secret and access keys
 * (`private_key`, `aws_secret_access_key`). Paths to such files (`etcd_key`, `*_file`) are not,
 * nor is etcd's initial-cluster token, which only tells clusters apart (`restore_token`).
 */
const SECRET_NAME = /((^|_)(pass|pwd)|password|passwd|passphrase|secret|secrets|token|tokens|credential|credentials|apikey|api_key|private_key|secret_key|access_key)$/i;
const NOT_SECRET = /(cluster|restore)_token$/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET.test(name);
}

/** shorter values would blank out ordinary words and numbers all over the output */
const MIN_LENGTH = 3;
export const MASK = '********';

/** a PEM private key, whole or cut off by the end of an output chunk */
const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;
export const PEM_MASK = '<private key hidden>';

/**
 * The secrets of one run and how to keep them out of everything it shows and records. A secret
 * is also found in the forms templates and records put it in: shell-quoted (`| quote`),
 * JSON-escaped (`| to_json`, a JSON record), base64 (`| b64encode`), and line by line.
 */
export class Secrets {
  private readonly values = new Set<string>();
  private pattern: RegExp | null | undefined = null;

  get size(): number {
    return this.values.size;
  }

  /** a secret value: a string or number, or every such leaf of a list or mapping */
  add(value: unknown): void {
    walkLeaves(value, (leaf) => {
      const text = String(leaf);
      if (text.length < MIN_LENGTH || this.values.has(text)) return;
      this.values.add(text);
      this.pattern = undefined;
    });
  }

  /**
   * Every value under a secret-looking name, at any depth: `db_password`, `creds.password`,
   * everything inside `aws_credentials`. `valueOf` gives the value to take for a top-level name
   * (the rendered one, when the raw value is a template).
   */
  addNamed(vars: Vars, valueOf: (name: string, raw: unknown) => unknown = (_n, raw) => raw): void {
    for (const [name, raw] of Object.entries(vars)) {
      if (isSecretName(name)) {
        let v: unknown;
        try {
          v = valueOf(name, raw);
        } catch {
          v = raw; // a template that cannot be rendered yet is not the secret itself
        }
        this.add(v);
      } else if (raw && typeof raw === 'object') {
        this.addNestedNamed(raw, 0);
      }
    }
  }

  private addNestedNamed(v: unknown, depth: number): void {
    if (depth > 20 || !v || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) this.addNestedNamed(x, depth + 1);
      return;
    }
    if (!isPlain(v)) return;
    for (const [k, x] of Object.entries(v)) {
      if (isSecretName(k)) this.add(x);
      else this.addNestedNamed(x, depth + 1);
    }
  }

  /** true when `text` holds a known secret in any of its forms */
  occursIn(text: string): boolean {
    const re = this.regex();
    if (!re) return false;
    re.lastIndex = 0;
    return re.test(text);
  }

  /** a copy of `v` with every secret, and every PEM private key, blanked out of every string */
  redact<T>(v: T): T {
    return scrub(v, this.regex(), 0) as T;
  }

  redactText(text: string): string {
    return this.redact(text);
  }

  private regex(): RegExp | null {
    if (this.pattern !== undefined) return this.pattern;
    const needles = new Set<string>();
    for (const s of this.values) {
      for (const form of formsOf(s)) if (form.length >= MIN_LENGTH) needles.add(form);
    }
    // longest first: a quoted form is replaced whole, not just the raw text inside it
    const sorted = [...needles].sort((a, b) => b.length - a.length);
    this.pattern = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : null;
    return this.pattern;
  }
}

function formsOf(s: string): string[] {
  const json = (x: string) => JSON.stringify(x).slice(1, -1);
  // JSON inside JSON (a `| to_json` value shown in a JSON-quoted description) escapes twice
  const forms = [s, quote(s), json(s), json(json(s)), json(quote(s))];
  const b64 = Buffer.from(s, 'utf8').toString('base64');
  forms.push(b64, b64.replace(/=+$/, ''));
  // a multi-line secret (a key, a certificate) is also printed a line at a time
  if (s.includes('\n')) forms.push(...s.split('\n').map((l) => l.trim()).filter((l) => l.length >= 8));
  return forms;
}

function walkLeaves(v: unknown, fn: (leaf: string | number | bigint) => void, depth = 0): void {
  if (depth > 20 || v === null || v === undefined) return;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') {
    if (typeof v === 'number' && !Number.isFinite(v)) return;
    fn(v);
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) walkLeaves(x, fn, depth + 1);
    return;
  }
  if (typeof v === 'object' && isPlain(v)) for (const x of Object.values(v)) walkLeaves(x, fn, depth + 1);
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function scrub(v: unknown, re: RegExp | null, depth: number): unknown {
  if (typeof v === 'string') {
    let s = v.includes('PRIVATE KEY-----') ? v.replace(PEM_PRIVATE_KEY, PEM_MASK) : v;
    if (re) s = s.replace(re, MASK);
    return s;
  }
  if (depth > 50) return v;
  if (Array.isArray(v)) return v.map((x) => scrub(x, re, depth + 1));
  if (v && typeof v === 'object' && isPlain(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x, re, depth + 1)]));
  return v;
}

/** Blanks every known secret out of every string in an event, so no reporter or log shows it. */
export function redactor(secrets: Secrets): (e: RunEvent) => RunEvent {
  return (e) => secrets.redact(e);
}

