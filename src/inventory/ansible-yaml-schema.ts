/**
 * YAML scalars resolved the way Ansible's loader (PyYAML, YAML 1.1) resolves them, so a
 * value means the same thing to runbook as it did to Ansible:
 *
 *   yes / on / True   -> true       (but `y` and `n` stay strings, unlike strict YAML 1.1)
 *   0755              -> 493        (1.1 octal)
 *   1:30              -> 90         (1.1 base-60)
 *   1e3               -> '1e3'      (PyYAML needs a dot and a signed exponent: 1.0e+3)
 *   2024-01-31        -> '2024-01-31'            (dates and times become the text Ansible
 *   2024-01-31 10:00  -> '2024-01-31T10:00:00'     prints for them: Python's isoformat)
 *
 * Ansible's own tags: `!unsafe` is an ordinary string here (we never template inventory
 * values on load), `!vault` is decrypted after parsing with the vault passwords given.
 */
import type { ScalarTag, Tags } from 'yaml';

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** base-60 `1:30:05` as PyYAML reads it (digits joined by colons, most significant first) */
function sexagesimal(text: string, parse: (s: string) => number): number {
  let value = 0;
  for (const part of text.split(':')) value = value * 60 + parse(part);
  return value;
}

export function pythonYamlInt(source: string): number {
  let text = source.replace(/_/g, '');
  let sign = 1;
  if (text[0] === '-' || text[0] === '+') {
    if (text[0] === '-') sign = -1;
    text = text.slice(1);
  }
  if (text === '0') return 0;
  if (text.startsWith('0b')) return sign * parseInt(text.slice(2), 2);
  if (text.startsWith('0x')) return sign * parseInt(text.slice(2), 16);
  if (text.startsWith('0')) return sign * parseInt(text, 8);
  if (text.includes(':')) return sign * sexagesimal(text, (s) => parseInt(s, 10));
  return sign * parseInt(text, 10);
}

export function pythonYamlFloat(source: string): number {
  let text = source.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (text[0] === '-' || text[0] === '+') {
    if (text[0] === '-') sign = -1;
    text = text.slice(1);
  }
  if (text === '.inf') return sign * Infinity;
  if (text === '.nan') return NaN;
  if (text.includes(':')) return sign * sexagesimal(text, (s) => parseFloat(s));
  return sign * parseFloat(text);
}

const boolTag: ScalarTag = {
  identify: (v) => typeof v === 'boolean',
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: BOOL,
  resolve: (s) => TRUE.test(s),
};

const intTag: ScalarTag = {
  identify: (v) => typeof v === 'number' && Number.isInteger(v),
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: INT,
  resolve: (s) => pythonYamlInt(s),
};

const floatTag: ScalarTag = {
  identify: (v) => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:float',
  test: FLOAT,
  resolve: (s) => pythonYamlFloat(s),
};

const TIMESTAMP =
  /^(?:([0-9]{4})-([0-9]{2})-([0-9]{2})|([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)$/;

const two = (n: string | number) => String(n).padStart(2, '0');

/** A YAML timestamp as Python's date/datetime .isoformat() writes it. */
export function pythonIsoTimestamp(text: string): string {
  const m = TIMESTAMP.exec(text)!;
  if (m[1] !== undefined) return `${m[1]}-${m[2]}-${m[3]}`;
  let out = `${m[4]}-${two(m[5]!)}-${two(m[6]!)}T${two(m[7]!)}:${m[8]}:${m[9]}`;
  const fraction = (m[10] ?? '').slice(0, 6).padEnd(6, '0');
  if (m[10] !== undefined && Number(fraction) !== 0) out += `.${fraction}`;
  if (m[11] === 'Z') out += '+00:00';
  else if (m[12] !== undefined) out += `${m[12]}${two(m[13]!)}:${m[14] ?? '00'}`;
  return out;
}

const timestampTag: ScalarTag = {
  identify: () => false,
  default: true,
  tag: 'tag:yaml.org,2002:timestamp',
  test: TIMESTAMP,
  resolve: (s) => pythonIsoTimestamp(s),
};

/** `!!int "5"`, `!!float 1`, `!!bool yes`: explicit tags convert whatever they are given, as PyYAML does */
const explicitTags: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:int', resolve: (s, onError) => (INT.test(s) ? pythonYamlInt(s) : (onError(`not an integer: ${s}`), s)) },
  {
    tag: 'tag:yaml.org,2002:float',
    resolve: (s, onError) => (FLOAT.test(s) || INT.test(s) ? pythonYamlFloat(s) : (onError(`not a float: ${s}`), s)),
  },
  { tag: 'tag:yaml.org,2002:bool', resolve: (s, onError) => (BOOL.test(s) ? TRUE.test(s) : (onError(`not a boolean: ${s}`), s)) },
];

const unsafeTag: ScalarTag = {
  tag: '!unsafe',
  resolve: (s) => s,
};

/** Marker for a `!vault` value; the loaders decrypt it in place (src/vault/yaml-values.ts). */
export class VaultValue {
  constructor(readonly ciphertext: string) {}
}

export const vaultTag: ScalarTag = {
  tag: '!vault',
  identify: (v) => v instanceof VaultValue,
  resolve: (s) => new VaultValue(s),
};

const REPLACED_IDS = new Set(['bool', 'int', 'intHex', 'intOct', 'intTime', 'float', 'floatExp', 'floatNaN', 'floatTime', 'timestamp']);
const REPLACED = new Set(['tag:yaml.org,2002:bool', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:timestamp']);

/** `customTags` for `parseDocument(..., { version: '1.1', customTags: ansibleYamlTags })` */
export function ansibleYamlTags(tags: Tags): Tags {
  const kept = tags.filter((t) => (typeof t === 'string' ? !REPLACED_IDS.has(t) : !REPLACED.has(t.tag)));
  return [...kept, boolTag, intTag, floatTag, timestampTag, ...explicitTags, unsafeTag, vaultTag];
}
