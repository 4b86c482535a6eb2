/**
 * Options in a kubeadm static-pod manifest (`/etc/kubernetes/manifests/etcd.yaml`,
 * `kube-controller-manager.yaml`, ...): the `--flag=value` items of one container's `command`
 * (the container named `etcd` unless another is named). Pure functions, tested as tables on
 * real kubeadm manifests (test/unit/etcd/manifest-text.test.ts).
 *
 * The manifest is parsed with the `yaml` library's Document API, which knows where every node
 * sits in the text; an edit replaces only the bytes of the changed items (or adds one line
 * after the last item), so comments, order, quoting and unrelated fields stay byte for byte.
 * The edited text is parsed again and compared with what was wanted before it is returned.
 *
 *   setManifestFlags(manifest, {'heartbeat-interval': '500'})
 *     -> the same text with `- --heartbeat-interval=500` appended to the command list
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { ConfigTextError, OPTION_NAME, type OptionEdit } from './config-text.js';

/** a manifest problem at a place in the file: line and column are 1-based */
export class ManifestError extends ConfigTextError {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
  }
}

/** one `--name=value` item of the command */
interface FlagItem {
  option: string;
  value: string;
  /** how it was spelled: `--` or `-` */
  dashes: string;
  node: Scalar;
}

interface ParsedManifest {
  doc: Document;
  lines: LineCounter;
  command: YAMLSeq;
  flags: FlagItem[];
}

const FLAG_ITEM = /^(-{1,2})([A-Za-z0-9][A-Za-z0-9-]*)(?:=(.*))?$/s;

function at(lines: LineCounter, offset: number | undefined, message: string): ManifestError {
  const pos = lines.linePos(offset ?? 0);
  return new ManifestError(message, pos.line, pos.col);
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | undefined)?.range?.[0];
}

/**
 * Parse the manifest and find the etcd container's flags. Refuses what it cannot edit safely:
 * text that is not YAML, not exactly one container named etcd, flags in `args`, a flag whose
 * value is the next list item (`--name`, `node1`) or a command that is not a list of strings.
 */
export function parseManifest(text: string, container = 'etcd'): ParsedManifest {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw at(lines, e.pos[0], `not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const root = doc.contents;
  if (!isMap(root)) throw at(lines, rangeStart(root), 'not a pod manifest: expected a mapping with kind: Pod');
  const kind = root.get('kind') as unknown;
  if (kind !== 'Pod') throw at(lines, rangeStart(root.get('kind', true)) ?? rangeStart(root), `not a pod manifest: kind is ${JSON.stringify(kind ?? null)}, expected Pod`);
  const containers = doc.getIn(['spec', 'containers'], true);
  if (!isSeq(containers)) throw at(lines, rangeStart(doc.getIn(['spec'], true)) ?? rangeStart(root), 'spec.containers is not a list of containers');
  const etcds = containers.items.filter((c): c is YAMLMap => isMap(c) && c.get('name') === container);
  if (etcds.length !== 1) {
    throw at(lines, rangeStart(containers), `expected one container named ${container} in spec.containers, found ${etcds.length}: the options to change live in that container's command`);
  }
  const etcd = etcds[0]!;
  const args = etcd.get('args', true);
  if (args !== undefined && !(isSeq(args) && args.items.length === 0)) {
    throw at(lines, rangeStart(args), `the ${container} container has args: give every flag in command as --name=value (as kubeadm writes it), so each option has one place`);
  }
  const command = etcd.get('command', true);
  if (!isSeq(command) || command.items.length === 0) {
    throw at(lines, rangeStart(command) ?? rangeStart(etcd), `the ${container} container has no command list: expected command: [${container}, --name=value, ...] as kubeadm writes it`);
  }
  const flags: FlagItem[] = [];
  command.items.forEach((item, i) => {
    if (!isScalar(item) || typeof item.value !== 'string') {
      throw at(lines, rangeStart(item) ?? rangeStart(command), 'a command item is not a string');
    }
    if (i === 0) return; // the binary
    const m = FLAG_ITEM.exec(item.value);
    if (!m) {
      throw at(lines, rangeStart(item), `${JSON.stringify(item.value)} is not a flag: write every option as one item --name=value (a value as the next item is not understood)`);
    }
    if (m[3] === undefined) {
      const next = command.items[i + 1];
      // a bare boolean flag is fine; one followed by a value item is the two-item form
      if (isScalar(next) && typeof next.value === 'string' && !next.value.startsWith('-')) {
        throw at(lines, rangeStart(item), `${item.value} takes its value from the next item: write it as one item ${item.value}=${next.value}`);
      }
    }
    flags.push({ dashes: m[1]!, option: m[2]!, value: m[3] ?? 'true', node: item });
  });
  return { doc, lines, command, flags };
}

/** the options' values in the manifest (the last occurrence wins, as for etcd's flags) */
export function readManifestFlags(text: string, options: readonly string[], container = 'etcd'): Record<string, string | null> {
  return flagValues(parseManifest(text, container).flags, options);
}

function flagValues(flags: readonly FlagItem[], options: readonly string[]): Record<string, string | null> {
  const out: Record<string, string | null> = Object.fromEntries(options.map((o) => [o, null]));
  for (const f of flags) if (f.option in out) out[f.option] = f.value;
  return out;
}

/** every flag of the etcd container, in order, as `option=value` */
export function manifestFlagList(text: string, container = 'etcd'): string[] {
  return parseManifest(text, container).flags.map((f) => `${f.option}=${f.value}`);
}

/** `--name=value` as a YAML scalar: plain when that reads back the same, else double-quoted */
function scalarText(item: string, quoted: boolean): string {
  if (!quoted) {
    const back = parseDocument(`- ${item}\n`);
    const v = back.errors.length === 0 && isSeq(back.contents) ? (back.contents.items[0] as Scalar | undefined)?.value : undefined;
    if (v === item && !item.includes(' #')) return item;
  }
  return JSON.stringify(item);
}

function checkSetting(option: string, value: string): void {
  if (!OPTION_NAME.test(option)) throw new ConfigTextError(`${JSON.stringify(option)} is not an etcd option name (write it as the flag, without dashes: heartbeat-interval)`);
  if (/[\r\n\0]/.test(value)) throw new ConfigTextError(`the value of ${option} contains a line break`);
}

/**
 * Set flags in the etcd container's command: every item of an option gets the new value,
 * keeping its dashes and quoting; a missing option is added as a new item after the last one,
 * indented as it is. Everything else in the text stays byte for byte.
 */
export function setManifestFlags(text: string, settings: Record<string, string>, container = 'etcd'): OptionEdit {
  for (const [o, v] of Object.entries(settings)) checkSetting(o, v);
  const parsed = parseManifest(text, container);
  const before = flagValues(parsed.flags, Object.keys(settings));

  // replacements from the end of the text backwards, so earlier offsets stay valid
  const edits: Array<{ from: number; to: number; text: string }> = [];
  for (const f of parsed.flags) {
    const v = settings[f.option];
    if (v === undefined || v === f.value) continue;
    const [start, valueEnd] = f.node.range!;
    const quoted = f.node.type === 'QUOTE_DOUBLE' || f.node.type === 'QUOTE_SINGLE';
    edits.push({ from: start, to: valueEnd, text: scalarText(`${f.dashes}${f.option}=${v}`, quoted) });
  }
  const missing = Object.entries(settings).filter(([o]) => !parsed.flags.some((f) => f.option === o));
  if (missing.length > 0) edits.push(appendItems(text, parsed, missing.map(([o, v]) => `--${o}=${v}`)));
  edits.sort((a, b) => b.from - a.from);
  let out = text;
  for (const e of edits) out = out.slice(0, e.from) + e.text + out.slice(e.to);

  if (out !== text) checkEdit(text, out, settings, container);
  return { text: out, changed: out !== text, before };
}

/** new items on lines of their own after the command's last item, indented like it */
function appendItems(text: string, parsed: ParsedManifest, items: string[]): { from: number; to: number; text: string } {
  const { command, lines } = parsed;
  const last = command.items.at(-1) as Scalar;
  if (command.flow) throw at(lines, rangeStart(command), 'the command is a flow list ([a, b]): write it as a block list, one item per line, to add flags to it');
  const [start, valueEnd] = last.range!;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const prefix = text.slice(lineStart, start);
  if (!/^\s*-\s+$/.test(prefix)) throw at(lines, start, 'the last command item does not start its own line ("- item"): cannot add a flag after it');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lineEnd = text.indexOf('\n', valueEnd);
  // after the end of the last item's line (and its comment), before the line break
  const insertAt = lineEnd === -1 ? text.length : text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
  const added = items.map((i) => `${eol}${prefix}${scalarText(i, false)}`).join('');
  return { from: insertAt, to: insertAt, text: added };
}

/**
 * The edited manifest must parse, still have one etcd container, carry exactly the wanted
 * values, and differ from the original in nothing but those flags.
 */
function checkEdit(original: string, edited: string, settings: Record<string, string>, container: string): void {
  let after: ParsedManifest;
  try {
    after = parseManifest(edited, container);
  } catch (e) {
    throw new ConfigTextError(`the edited manifest would not be valid (${(e as Error).message}); nothing was written`);
  }
  const got = flagValues(after.flags, Object.keys(settings));
  const wrong = Object.entries(settings).filter(([o, v]) => got[o] !== v);
  if (wrong.length > 0) throw new ConfigTextError(`the edited manifest reads back ${wrong.map(([o]) => `${o}=${got[o]}`).join(', ')}; nothing was written`);
  const withoutFlags = (t: ParsedManifest) => {
    const js = t.doc.toJS() as { spec: { containers: Array<Record<string, unknown>> } };
    for (const c of js.spec.containers) if (c.name === container) delete c.command;
    return JSON.stringify(js);
  };
  const others = (t: ParsedManifest) => JSON.stringify(t.flags.filter((f) => !(f.option in settings)).map((f) => [f.option, f.value]));
  const orig = parseManifest(original, container);
  if (withoutFlags(orig) !== withoutFlags(after) || others(orig) !== others(after)) {
    throw new ConfigTextError('the edit would change more than the flags asked for; nothing was written');
  }
}
