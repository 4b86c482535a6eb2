/**
 * etcd options where a member keeps them, as text: `ETCD_*` lines of an environment file, or
 * `--flag=value` words of a unit's `ExecStart`. Pure functions, so the edits are tested as
 * tables without a host (test/unit/etcd/etcd-config.test.ts).
 *
 *   setEnvOptions('ETCD_HEARTBEAT_INTERVAL=100\n', {'heartbeat-interval': '200'})
 *     -> {text: 'ETCD_HEARTBEAT_INTERVAL=200\n', changed: true, before: {'heartbeat-interval': '100'}}
 *   setUnitFlags('ExecStart=/usr/bin/etcd \\\n  --election-timeout=1000\n', {'election-timeout': '5000'})
 *     -> 'ExecStart=/usr/bin/etcd \\\n  --election-timeout=5000\n'
 */

/** an etcd option as its flag is spelled, without dashes: `heartbeat-interval` */
export const OPTION_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** `heartbeat-interval` -> `ETCD_HEARTBEAT_INTERVAL`, as etcd maps flags to the environment */
export function envNameOf(option: string): string {
  return `ETCD_${option.toUpperCase().replace(/-/g, '_')}`;
}

export interface OptionEdit {
  text: string;
  changed: boolean;
  /** each option's value before the edit; null when it was not set */
  before: Record<string, string | null>;
}

export class ConfigTextError extends Error {}

function checkValue(option: string, value: string): void {
  if (!OPTION_NAME.test(option)) throw new ConfigTextError(`${JSON.stringify(option)} is not an etcd option name (write it as the flag, without dashes: heartbeat-interval)`);
  if (/[\r\n\0]/.test(value)) throw new ConfigTextError(`the value of ${option} contains a line break`);
}

// ---------------------------------------------------------------- environment files

const ENV_LINE = /^(\s*)(export\s+)?([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(.*?)\s*$/;

/** the value of an assignment as the environment receives it (systemd's quoting) */
function unquoteEnv(raw: string): { value: string; quoted: boolean } {
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
    return { value: raw.slice(1, -1).replace(/\\(["\\$`])/g, '$1'), quoted: true };
  }
  if (raw.length >= 2 && raw.startsWith("'") && raw.endsWith("'")) return { value: raw.slice(1, -1), quoted: true };
  return { value: raw, quoted: false };
}

function quoteEnv(value: string, wasQuoted: boolean): string {
  const needs = value === '' || /[\s"'\\#$`;]/.test(value);
  if (!needs && !wasQuoted) return value;
  return `"${value.replace(/(["\\$`])/g, '\\$1')}"`;
}

function splitLines(text: string): { lines: string[]; eol: string; finalNewline: boolean } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const finalNewline = text.endsWith('\n');
  const body = finalNewline ? text.slice(0, text.endsWith('\r\n') ? -2 : -1) : text;
  return { lines: body === '' && !finalNewline ? [] : body.split(/\r?\n/), eol, finalNewline };
}

/** the options' values in an environment file (the last assignment wins, as for systemd) */
export function readEnvOptions(text: string, options: readonly string[]): Record<string, string | null> {
  const out: Record<string, string | null> = Object.fromEntries(options.map((o) => [o, null]));
  const wanted = new Map(options.map((o) => [envNameOf(o), o]));
  for (const line of splitLines(text).lines) {
    if (/^\s*[#;]/.test(line)) continue;
    const m = ENV_LINE.exec(line);
    const option = m ? wanted.get(m[3]!) : undefined;
    if (m && option !== undefined) out[option] = unquoteEnv(m[5]!).value;
  }
  return out;
}

/**
 * Set options in an environment file: every assignment of the variable gets the new value (so
 * no later line silently wins), keeping its indentation, `export` and quoting; a variable that
 * is not there is appended. Comments and every other line stay as they are.
 */
export function setEnvOptions(text: string, settings: Record<string, string>): OptionEdit {
  for (const [o, v] of Object.entries(settings)) checkValue(o, v);
  const { lines, eol, finalNewline } = splitLines(text);
  const before = readEnvOptions(text, Object.keys(settings));
  const byEnv = new Map(Object.entries(settings).map(([o, v]) => [envNameOf(o), v]));
  const seen = new Set<string>();
  const out = lines.map((line) => {
    if (/^\s*[#;]/.test(line)) return line;
    const m = ENV_LINE.exec(line);
    if (!m || !byEnv.has(m[3]!)) return line;
    seen.add(m[3]!);
    const value = byEnv.get(m[3]!)!;
    return `${m[1]}${m[2] ?? ''}${m[3]}=${quoteEnv(value, unquoteEnv(m[5]!).quoted)}`;
  });
  for (const [name, value] of byEnv) if (!seen.has(name)) out.push(`${name}=${quoteEnv(value, false)}`);
  const appended = out.length > lines.length;
  const joined = out.join(eol) + (finalNewline || appended ? eol : '');
  return { text: joined, changed: joined !== text, before };
}

// ---------------------------------------------------------------- unit files (ExecStart flags)

interface ExecStart {
  /** indexes of the physical lines of the last ExecStart= of [Service] */
  first: number;
  last: number;
}

function findExecStart(lines: readonly string[]): ExecStart | undefined {
  let section = '';
  let found: ExecStart | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    if (section !== 'Service' || !/^\s*ExecStart\s*=/.test(line)) continue;
    let last = i;
    while (/\\\s*$/.test(lines[last]!) && last + 1 < lines.length) last++;
    // an empty `ExecStart=` only resets the list (drop-ins); the command is the next one
    if (/^\s*ExecStart\s*=\s*$/.test(line)) {
      found = undefined;
    } else {
      found = { first: i, last };
    }
    i = last;
  }
  return found;
}

function flagPattern(option: string): RegExp {
  const name = option.replace(/-/g, '\\-');
  // `--name=v`, `-name=v`, `--name v`, `"--name=v"`; not `--name-longer`
  return new RegExp(`(^|\\s|=|")(-{1,2}${name})(=|\\s+)("[^"]*"|'[^']*'|[^\\s"'\\\\]+)`, 'g');
}

function unquoteWord(w: string): string {
  return (w.startsWith('"') && w.endsWith('"')) || (w.startsWith("'") && w.endsWith("'")) ? w.slice(1, -1) : w;
}

function checkFlagValue(option: string, value: string): void {
  checkValue(option, value);
  if (/[\s"'\\%$]/.test(value) || value === '') {
    throw new ConfigTextError(`the value of ${option} (${JSON.stringify(value)}) would need quoting in ExecStart; set it in an environment file instead`);
  }
}

/** the options' values in the unit's ExecStart (the last occurrence wins, as for etcd's flags) */
export function readUnitFlags(text: string, options: readonly string[]): Record<string, string | null> {
  const out: Record<string, string | null> = Object.fromEntries(options.map((o) => [o, null]));
  const { lines } = splitLines(text);
  const exec = findExecStart(lines);
  if (!exec) return out;
  for (let i = exec.first; i <= exec.last; i++) {
    const body = lines[i]!.replace(/\\\s*$/, '');
    for (const o of options) {
      for (const m of body.matchAll(flagPattern(o))) out[o] = unquoteWord(m[4]!);
    }
  }
  return out;
}

/**
 * Set flags in the `ExecStart=` of a unit's [Service] section, which may span lines ending in
 * `\`: an existing flag keeps its spelling (`--x=v` or `--x v`) and gets the new value, every
 * occurrence of it; a missing one is appended to the command's last line.
 */
export function setUnitFlags(text: string, settings: Record<string, string>): OptionEdit {
  for (const [o, v] of Object.entries(settings)) checkFlagValue(o, v);
  const { lines, eol, finalNewline } = splitLines(text);
  const exec = findExecStart(lines);
  if (!exec) throw new ConfigTextError('the unit has no ExecStart= in its [Service] section');
  const before = readUnitFlags(text, Object.keys(settings));
  const out = [...lines];
  const seen = new Set<string>();
  for (let i = exec.first; i <= exec.last; i++) {
    const line = out[i]!;
    const cont = /(\s*\\\s*)$/.exec(line);
    let body = cont ? line.slice(0, cont.index) : line;
    for (const [o, v] of Object.entries(settings)) {
      body = body.replace(flagPattern(o), (_all, lead: string, flag: string, sep: string) => {
        seen.add(o);
        return `${lead}${flag}${sep}${v}`;
      });
    }
    out[i] = body + (cont ? cont[1] : '');
  }
  const missing = Object.entries(settings).filter(([o]) => !seen.has(o));
  if (missing.length > 0) {
    const lastLine = out[exec.last]!.replace(/\s+$/, '');
    out[exec.last] = `${lastLine}${missing.map(([o, v]) => ` --${o}=${v}`).join('')}`;
  }
  const joined = out.join(eol) + (finalNewline ? eol : '');
  return { text: joined, changed: joined !== text, before };
}

// ---------------------------------------------------------------- a running process

/** etcd's defaults for the options runbooks tune (3.4 and 3.5 agree on these) */
export const ETCD_DEFAULTS: Readonly<Record<string, string>> = {
  'heartbeat-interval': '100',
  'election-timeout': '1000',
  'quota-backend-bytes': '0',
  'auto-compaction-retention': '0',
  'auto-compaction-mode': 'periodic',
  'snapshot-count': '100000',
  'max-request-bytes': '1572864',
  'initial-cluster-state': 'new',
};

/** `--name=v`, `-name=v`, `--name v` in a command line (argv[0] excluded) */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^-{1,2}([A-Za-z0-9][A-Za-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) continue;
    if (m[2] !== undefined) flags.set(m[1]!, m[2]);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) flags.set(m[1]!, argv[++i]!);
    else flags.set(m[1]!, 'true');
  }
  return flags;
}

export type OptionSource = 'flag' | 'env' | 'config-file' | 'default' | 'unset';

export interface EffectiveOption {
  value: string | null;
  source: OptionSource;
}

/**
 * What a running etcd uses for an option, as etcd decides it: with a config file only the file
 * counts; otherwise a command-line flag shadows the `ETCD_*` variable, which beats the default.
 */
export function effectiveOption(
  option: string,
  argv: readonly string[],
  environ: Record<string, string>,
  configFile?: Record<string, unknown>,
): EffectiveOption {
  if (configFile !== undefined) {
    const v = configFile[option];
    if (v !== undefined && v !== null) return { value: String(v), source: 'config-file' };
  } else {
    const flag = parseFlags(argv).get(option);
    if (flag !== undefined) return { value: flag, source: 'flag' };
    const env = environ[envNameOf(option)];
    if (env !== undefined) return { value: env, source: 'env' };
  }
  const d = ETCD_DEFAULTS[option];
  return d !== undefined ? { value: d, source: 'default' } : { value: null, source: 'unset' };
}

/** the config file a process was started with (`--config-file` or `ETCD_CONFIG_FILE`) */
export function configFileOf(argv: readonly string[], environ: Record<string, string>): string | undefined {
  return parseFlags(argv).get('config-file') ?? environ.ETCD_CONFIG_FILE;
}

/** NUL-separated /proc data: `a\0b\0` -> ['a', 'b'] */
export function splitNul(buf: Buffer): string[] {
  const s = buf.toString('utf8');
  const parts = s.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

export function environOf(entries: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return env;
}
