import { quote } from '../../transport/shell-quote.js';
import { applyMode, chmodArgument, formatMode } from './file-mode.js';
import type { PresentStat } from './remote-file.js';

/** The `mode`/`owner`/`group` a task asks for; a field left out is left as it is. */
export interface FileAttrs {
  mode?: string;
  owner?: string;
  group?: string;
}

export interface AttrChange {
  attr: 'mode' | 'owner' | 'group';
  before: string;
  after: string;
}

/** A name matches by name, a number by id, so `owner: 0` and `owner: root` both hold for root. */
function sameAccount(want: string, name: string, id: number): boolean {
  return /^\d+$/.test(want) ? Number(want) === id : want === name;
}

/** Which of the wanted attributes differ from what the file has now. */
export function attrChanges(st: PresentStat, want: FileAttrs): AttrChange[] {
  const changes: AttrChange[] = [];
  if (want.mode !== undefined) {
    const after = applyMode(st.mode, want.mode, st.type === 'directory');
    if (after !== st.mode) changes.push({ attr: 'mode', before: formatMode(st.mode), after: formatMode(after) });
  }
  if (want.owner !== undefined && !sameAccount(want.owner, st.owner, st.uid)) {
    changes.push({ attr: 'owner', before: st.owner, after: want.owner });
  }
  if (want.group !== undefined && !sameAccount(want.group, st.group, st.gid)) {
    changes.push({ attr: 'group', before: st.group, after: want.group });
  }
  return changes;
}

/** `chmod`/`chown`/`chgrp` for the attributes given, joined with `&&`; '' when none is given. */
export function applyAttrsCommand(path: string, want: FileAttrs, opts: { recurse?: boolean } = {}): string {
  const r = opts.recurse ? ' -R' : '';
  const steps: string[] = [];
  if (want.mode !== undefined) steps.push(`chmod${r} ${quote(chmodArgument(want.mode))} -- ${quote(path)}`);
  if (want.owner !== undefined) {
    const spec = want.group !== undefined ? `${quote(want.owner)}:${quote(want.group)}` : quote(want.owner);
    steps.push(`chown${r} -- ${spec} ${quote(path)}`);
  } else if (want.group !== undefined) {
    steps.push(`chgrp${r} -- ${quote(want.group)} ${quote(path)}`);
  }
  return steps.join(' && ');
}

/** One line per change for messages: `mode 0644 -> 0600, owner etcd -> root` */
export function describeAttrChanges(changes: AttrChange[]): string {
  return changes.map((c) => `${c.attr} ${c.before} -> ${c.after}`).join(', ');
}

/** ` (mode=0644 owner=root)` for describe lines; '' when no attribute is asked for. */
export function describeAttrs(want: FileAttrs): string {
  const parts = [want.mode && `mode=${want.mode}`, want.owner && `owner=${want.owner}`, want.group && `group=${want.group}`].filter(Boolean);
  return parts.length ? ` (${parts.join(' ')})` : '';
}
