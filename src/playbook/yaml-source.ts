/**
 * YAML with positions. A playbook mistake must be reported at its line and column, so parsing
 * keeps, next to the plain value, where every key and value was written.
 *
 * YAML 1.1 as Ansible reads it (PyYAML): `yes`/`no`/`on`/`off` are booleans, `0644` is octal,
 * `<<: *defaults` merges. Unlike the `yaml` package's 1.1 schema, a lone `y` or `n` stays a
 * string, as in PyYAML (`n: 3` must not become `true: 3`).
 */
import { readFile } from 'node:fs/promises';
import YAML, { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node, type Tags } from 'yaml';
import { ConfigError, type ConfigProblem, type SourceLocation } from '../errors.js';
import { vaultTag } from '../inventory/ansible-yaml-schema.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { openVaultFile } from '../vault/vault-file.js';
import { openVaultValues } from '../vault/yaml-values.js';
import { checkTrustedFile } from '../util/trusted-files.js';

export type YamlPath = ReadonlyArray<string | number>;

export interface YamlSource {
  file: string;
  /** the document as plain data */
  value: unknown;
  /** where the value at `path` starts, or its key when `part` is 'key'; falls back to the nearest ancestor */
  loc(path: YamlPath, part?: 'key' | 'value'): SourceLocation;
}

const BOOL_TAG = 'tag:yaml.org,2002:bool';
const pyTrue = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const pyFalse = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

function pyyamlBooleans(tags: Tags): Tags {
  const rest = tags.filter((t) => typeof t !== 'object' || t.tag !== BOOL_TAG);
  return [
    ...rest,
    { identify: (v: unknown) => v === true, default: true, tag: BOOL_TAG, test: pyTrue, resolve: () => true },
    { identify: (v: unknown) => v === false, default: true, tag: BOOL_TAG, test: pyFalse, resolve: () => false },
    vaultTag,
  ];
}

export const YAML_OPTIONS = { version: '1.1', merge: true, uniqueKeys: true, customTags: pyyamlBooleans } as const;

function pathKey(path: YamlPath): string {
  return JSON.stringify(path);
}

interface Spot {
  key?: number;
  value: number;
}

/** the text of the key a duplicate-key error points at, for the message */
function keyAt(text: string, offset: number): string {
  const m = /^["']?([^"':\n]+)/.exec(text.slice(offset));
  return m ? m[1]!.trim() : '';
}

function yamlProblem(e: YAML.YAMLError, file: string, text: string): ConfigProblem {
  const pos = e.linePos?.[0];
  const loc = pos ? { file, line: pos.line, col: pos.col } : { file, line: 1, col: 1 };
  let message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (e.code === 'DUPLICATE_KEY') {
    const key = keyAt(text, e.pos[0]);
    return { message: `duplicate key${key ? ` \`${key}\`` : ''}`, loc, hint: 'each key may appear once in a mapping; the later one would silently win' };
  }
  message = `YAML syntax error: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
  return { message, loc };
}

/**
 * Parse YAML text; problems (syntax errors, duplicate keys, a vault text that cannot be
 * decrypted) are returned, not thrown. A file encrypted whole and `!vault` values are read with
 * `vault`'s passwords, and everything they held is revealed to it as a secret.
 */
export function parseYaml(source: string, file: string, vault?: VaultKeyring): { source?: YamlSource; problems: ConfigProblem[] } {
  let text = source;
  let encrypted = false;
  try {
    ({ text, encrypted } = openVaultFile(source, file, vault));
  } catch (e) {
    if (e instanceof ConfigError) return { problems: e.problems };
    throw e;
  }
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { ...YAML_OPTIONS, lineCounter, prettyErrors: true });
  // one mistake often makes the parser report several errors on the same line: keep the first
  const lines = new Set<number>();
  const problems = [...doc.errors, ...doc.warnings]
    .map((e) => yamlProblem(e, file, text))
    .filter((p) => {
      const line = p.loc?.line ?? 0;
      if (lines.has(line)) return false;
      lines.add(line);
      return true;
    });
  if (doc.errors.length) return { problems };
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const vaultProblems = openVaultValues(doc, (node) => at((node as Node | undefined)?.range?.[0] ?? 0), vault);
  if (vaultProblems.length) return { problems: [...problems, ...vaultProblems] };
  const spots = new Map<string, Spot>();
  collect(doc, doc.contents, [], spots);
  const value = doc.toJS({ maxAliasCount: 1000 });
  if (encrypted) vault?.reveal(value);
  const parsed: YamlSource = {
    file,
    value,
    loc(path, part = 'value') {
      for (let n = path.length; n >= 0; n--) {
        const spot = spots.get(pathKey(path.slice(0, n)));
        if (!spot) continue;
        // an ancestor stands in for a missing path: point at its key, where the reader looks
        const offset = n === path.length ? (part === 'key' ? (spot.key ?? spot.value) : spot.value) : (spot.key ?? spot.value);
        return at(offset);
      }
      return { file, line: 1, col: 1 };
    },
  };
  return { source: parsed, problems };
}

function collect(doc: Document, node: unknown, path: (string | number)[], spots: Map<string, Spot>, keyOffset?: number, depth = 0): void {
  if (depth > 200) return;
  const resolved = isAlias(node) ? node.resolve(doc) : node;
  const start = (isAlias(node) ? (node as Node).range?.[0] : (resolved as Node | undefined)?.range?.[0]) ?? keyOffset ?? 0;
  const key = pathKey(path);
  if (!spots.has(key)) spots.set(key, { key: keyOffset, value: start });
  if (isMap(resolved)) {
    const merges: unknown[] = [];
    for (const pair of resolved.items) {
      if (!isPair(pair)) continue;
      const k = isScalar(pair.key) ? pair.key.value : pair.key;
      // the yaml package gives the merge key a symbol for a value
      if (k === '<<' || typeof k === 'symbol') {
        merges.push(pair.value);
        continue;
      }
      const keyNode = pair.key as Node | null;
      const keyStart = keyNode?.range?.[0];
      // `key:` with nothing after it: point at the key
      collect(doc, pair.value ?? undefined, [...path, String(k)], spots, keyStart, depth + 1);
    }
    // merged keys are located where they were defined, unless written here too
    for (const m of merges) {
      const sources = isSeq(m) ? m.items : [m];
      for (const s of sources) collect(doc, s, path, spots, keyOffset, depth + 1);
    }
  } else if (isSeq(resolved)) {
    resolved.items.forEach((item, i) => collect(doc, item, [...path, i], spots, undefined, depth + 1));
  }
}

/** Read and parse a YAML file; an unreadable file is a problem too. */
export async function readYaml(file: string, vault?: VaultKeyring): Promise<{ source?: YamlSource; problems: ConfigProblem[] }> {
  checkTrustedFile(file, 'playbook file');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problems: [{ message: code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(err as Error).message}`, loc: { file, line: 1, col: 1 } }] };
  }
  return parseYaml(text, file, vault);
}
