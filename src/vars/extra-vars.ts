/**
 * `-e` / `--extra-vars`, read as Ansible reads them; each value is one of:
 *
 *   -e 'etcd_version=3.5.12 snapshot_dir="/var/backups/etcd snapshots"'   key=value pairs (values stay strings)
 *   -e '{"members": ["etcd1", "etcd2"], "force": true}'                    JSON or YAML (starts with { or [)
 *   -e @vars/restore.yaml                                                  a YAML or JSON file
 *
 * Later `-e` values win over earlier ones, key by key (top-level keys replaced, never deep-merged).
 * Every problem is a ConfigError pointing at the file, or at the `-e` value, by line and column.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { isMap, isScalar } from 'yaml';
import { ConfigError } from '../errors.js';
import type { Vars } from '../inventory/types.js';
import { parseYamlFile } from '../inventory/yaml-file.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { checkTrustedFile } from '../util/trusted-files.js';

export interface ExtraVarsOptions {
  /** directory `@file` paths are resolved against; default: the process's */
  cwd?: string;
  /** vault passwords for an `@file` encrypted whole or holding `!vault` values */
  vault?: VaultKeyring;
}

export async function parseExtraVars(values: string[] = [], opts: ExtraVarsOptions = {}): Promise<Vars> {
  let vars: Vars = {};
  for (const [index, value] of values.entries()) {
    vars = { ...vars, ...(await parseOne(value, `-e[${index + 1}]`, opts)) };
  }
  return vars;
}

async function parseOne(value: string, label: string, opts: ExtraVarsOptions): Promise<Vars> {
  if (value === '') return {};
  if (value.startsWith('@')) return readVarsFile(value.slice(1), opts);
  if (value.startsWith('/') || value.startsWith('.')) {
    throw new ConfigError({
      message: `extra vars \`${value}\` look like a file name`,
      hint: `prepend @ to read a file: -e @${value}`,
    });
  }
  if (value.startsWith('{') || value.startsWith('[')) return mappingFrom(value, label, 'JSON/YAML given to -e');
  return parseKeyValues(value, label);
}

async function readVarsFile(path: string, opts: ExtraVarsOptions): Promise<Vars> {
  const full = opts.cwd && !isAbsolute(path) ? resolve(opts.cwd, path) : path;
  checkTrustedFile(full, 'extra vars file');
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (e) {
    throw new ConfigError({ message: `cannot read extra vars file \`${path}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
  }
  return mappingFrom(text, path, 'an extra vars file', opts.vault);
}

function mappingFrom(text: string, file: string, what: string, vault?: VaultKeyring): Vars {
  const yaml = parseYamlFile(text, file, { vault });
  const root = yaml.doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return {};
  if (!isMap(root)) {
    throw new ConfigError({
      message: `${what} must be a mapping of variable names to values`,
      loc: yaml.locOf(root),
      hint: 'e.g. {"etcd_version": "3.5.12"} or `etcd_version: 3.5.12`',
    });
  }
  return yaml.toJS(root) as Vars;
}

/** Ansible's split_args: split on whitespace outside quotes and outside {{ }} / {% %} / {# #}. */
export function splitArgs(text: string): { text: string; offset: number }[] {
  const words: { text: string; offset: number }[] = [];
  let current = '';
  let start = -1;
  let quote: string | undefined;
  let jinja = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const pair = text.slice(i, i + 2);
    if (quote) {
      current += ch;
      if (ch === '\\' && i + 1 < text.length) current += text[++i];
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (pair === '{{' || pair === '{%' || pair === '{#') {
      if (start < 0) start = i;
      jinja++;
      current += pair;
      i++;
      continue;
    }
    if (jinja > 0 && (pair === '}}' || pair === '%}' || pair === '#}')) {
      jinja--;
      current += pair;
      i++;
      continue;
    }
    if (jinja === 0 && /\s/.test(ch)) {
      if (start >= 0) words.push({ text: current, offset: start });
      current = '';
      start = -1;
      continue;
    }
    if (start < 0) start = i;
    if (jinja === 0 && (ch === '"' || ch === "'")) quote = ch;
    current += ch;
  }
  if (quote) throw new SyntaxError(`no closing ${quote}`);
  if (jinja > 0) throw new SyntaxError('unclosed {{ or {%');
  if (start >= 0) words.push({ text: current, offset: start });
  return words;
}

function unquote(value: string): string {
  const q = value[0];
  if (value.length > 1 && (q === '"' || q === "'") && value.endsWith(q) && value[value.length - 2] !== '\\') {
    return value.slice(1, -1);
  }
  return value;
}

/** Python string escapes Ansible decodes in key=value arguments: \n, \t, \\, \uXXXX, ... */
function decodeEscapes(text: string): string {
  return text.replace(/\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{1,3}|[\\'"abfnrtv])/g, (_m, esc: string) => {
    const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
    if (esc in simple) return simple[esc]!;
    if (/^[0-7]/.test(esc)) return String.fromCodePoint(parseInt(esc, 8));
    return String.fromCodePoint(parseInt(esc.slice(1), 16));
  });
}

export function parseKeyValues(text: string, label = '-e'): Vars {
  let words;
  try {
    words = splitArgs(text);
  } catch (e) {
    throw new ConfigError({
      message: `cannot split extra vars \`${text}\`: ${(e as Error).message}`,
      loc: { file: label, line: 1, col: 1 },
      hint: 'quote the whole -e value for the shell, and close every quote inside it',
    });
  }
  const vars: Vars = {};
  for (const word of words) {
    const decoded = decodeEscapes(word.text);
    // `\=` is an escaped equals sign inside the key
    let eq = -1;
    for (let i = 1; i < decoded.length; i++) {
      if (decoded[i] === '=' && decoded[i - 1] !== '\\') {
        eq = i;
        break;
      }
    }
    if (eq < 0) {
      throw new ConfigError({
        message: `extra vars: expected key=value, got \`${word.text}\``,
        loc: { file: label, line: 1, col: word.offset + 1 },
        hint: 'write -e name=value, -e \'{"name": "value"}\' or -e @file.yaml',
      });
    }
    const key = decoded.slice(0, eq).trim();
    vars[key] = unquote(decoded.slice(eq + 1).trim());
  }
  return vars;
}
