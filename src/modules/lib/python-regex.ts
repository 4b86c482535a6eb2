/**
 * Playbooks are written for Ansible, whose regexps are Python's. The common Python-only
 * spellings are translated so they mean the same here: `(?P<name>...)`, `(?P=name)`, leading
 * inline flags such as `(?i)`, and `\A` / `\Z`.
 *
 *   pythonRegex('(?i)^listen-peer-urls=(?P<v>.*)$') -> /^listen-peer-urls=(?<v>.*)$/i
 */
export function pythonRegex(pattern: string, extraFlags = ''): RegExp {
  let source = pattern;
  let flags = new Set(extraFlags);
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    for (const f of inline[1]!) {
      if (f === 'x') throw new Error(`verbose regexps ((?x)) are not supported: ${pattern}`);
      if (f === 'i' || f === 'm' || f === 's') flags.add(f);
    }
  }
  source = source
    .replace(/\(\?P<(\w+)>/g, '(?<$1>')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    .replace(/(^|[^\\])\\A/g, '$1^')
    .replace(/(^|[^\\])\\Z/g, '$1$');
  try {
    return new RegExp(source, [...flags].join(''));
  } catch (err) {
    throw new Error(`invalid regexp ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
}

/**
 * Python's `match.expand(template)`, for `backrefs`: `\1`, `\g<1>` and `\g<name>` become the
 * groups' text (empty when a group did not take part), `\n` / `\t` / `\\` their characters.
 */
export function expandBackrefs(template: string, m: RegExpExecArray): string {
  return template.replace(/\\(?:g<(\w+)>|(\d{1,2})|(.))/gs, (whole, ref: string | undefined, num: string | undefined, ch: string | undefined) => {
    const group = ref ?? num;
    if (group !== undefined) return (/^\d+$/.test(group) ? m[Number(group)] : m.groups?.[group]) ?? '';
    if (ch === 'n') return '\n';
    if (ch === 't') return '\t';
    if (ch === '\\') return '\\';
    return whole;
  });
}
