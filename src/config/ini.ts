/**
 * ansible.cfg as Python's configparser reads it for Ansible (`inline_comment_prefixes=(';',)`):
 *
 *   [defaults]                 a section
 *   remote_user = deploy       `key = value` or `key: value`; keys are case-insensitive
 *   # a comment                whole-line comments start with # or ;
 *   forks = 20 ; a comment     an inline comment starts with ; after whitespace
 *   ssh_args = -o A=1          an indented line continues the value above
 *     -o B=2
 */
import { ConfigError, type ConfigProblem } from '../errors.js';

export interface IniEntry {
  value: string;
  line: number;
  col: number;
}

export type IniSections = Map<string, Map<string, IniEntry>>;

export function parseAnsibleIni(text: string, file: string): IniSections {
  const sections: IniSections = new Map();
  const problems: ConfigProblem[] = [];
  let section: Map<string, IniEntry> | undefined;
  let last: IniEntry | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      if (trimmed === '') last = undefined;
      return;
    }
    if (/^\s/.test(raw) && last) {
      last.value = `${last.value}\n${stripComment(trimmed)}`.trim();
      return;
    }
    const header = /^\[([^\]]+)\]\s*(?:;.*)?$/.exec(trimmed);
    if (header) {
      const name = header[1]!.trim();
      section = sections.get(name) ?? new Map();
      sections.set(name, section);
      last = undefined;
      return;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!m) {
      problems.push({ message: `not a setting: \`${trimmed}\``, loc: { file, line, col: 1 }, hint: 'write `name = value` under a [section]' });
      return;
    }
    if (!section) {
      problems.push({ message: `\`${m[1]}\` is outside any [section]`, loc: { file, line, col: 1 }, hint: 'put it under [defaults], [ssh_connection] or [runbook]' });
      return;
    }
    last = { value: stripComment(m[2]!), line, col: raw.indexOf(m[1]!) + 1 };
    section.set(m[1]!.toLowerCase(), last);
  });
  if (problems.length) throw new ConfigError(problems);
  return sections;
}

function stripComment(value: string): string {
  const m = /\s;/.exec(value);
  return (m ? value.slice(0, m.index) : value).trim();
}
