/**
 * Every `{{ }}` in a `shell:` step of a shipped playbook must end in `| quote`: an unquoted
 * variable in a shell line is a command injection as root on every member (an `-e` value, an
 * inventory var, a fact read from a host). A value that is provably not a string may be listed
 * in ALLOWED, with the reason it is safe.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { parse } from 'yaml';
import { newRunId } from '../../../src/engine/run-dir.js';
import { repoRoot } from '../../helpers/runbook-cli.js';

const playbookDir = join(repoRoot, 'playbooks');
const SHELL_KEYS = new Set(['shell', 'ansible.builtin.shell', 'ansible.legacy.shell']);

/**
 * Expressions allowed without `| quote`, exactly as written between the braces. Each must be
 * provably not a string that could carry shell syntax.
 */
// Values a shell step may use unquoted, each with the reason it can hold no shell syntax. Empty
// now: the steps that used `run_id` bare became modules. An entry no playbook uses fails below.
const ALLOWED: Record<string, string> = {
  // k8s-disk-full.yaml: a list of directories, each quoted by map('quote'); join puts only
  // spaces between the quoted words (preflight refuses any that is not an absolute path)
  "container_log_dirs | map('quote') | join(' ')": 'a list, every element quoted',
};

interface Finding {
  file: string;
  task: string;
  expression: string;
}

/** the text of a shell step: `shell: text` or `shell: {cmd: text}` */
function shellText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && typeof (value as { cmd?: unknown }).cmd === 'string') return (value as { cmd: string }).cmd;
  return undefined;
}

/** every mapping in the document that has a shell key, with the name of its task */
function shellSteps(node: unknown, out: Array<{ task: string; text: string }> = []): Array<{ task: string; text: string }> {
  if (Array.isArray(node)) {
    for (const n of node) shellSteps(n, out);
  } else if (node !== null && typeof node === 'object') {
    const map = node as Record<string, unknown>;
    for (const [k, v] of Object.entries(map)) {
      const text = SHELL_KEYS.has(k) ? shellText(v) : undefined;
      if (text !== undefined) out.push({ task: typeof map.name === 'string' ? map.name : '(unnamed)', text });
      else shellSteps(v, out);
    }
  }
  return out;
}

/** the `{{ }}` expressions of a text whose last filter is not `quote` */
export function unquotedExpressions(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)) {
    const expr = m[1]!.trim();
    if (/\|\s*quote\s*$/.test(expr)) continue;
    if (Object.hasOwn(ALLOWED, expr)) continue;
    out.push(expr);
  }
  return out;
}

function findings(): Finding[] {
  const out: Finding[] = [];
  for (const file of readdirSync(playbookDir).filter((f) => /\.ya?ml$/.test(f))) {
    const doc: unknown = parse(readFileSync(join(playbookDir, file), 'utf8'));
    for (const step of shellSteps(doc)) {
      for (const expression of unquotedExpressions(step.text)) out.push({ file, task: step.task, expression });
    }
  }
  return out;
}

test('every {{ }} inside a shell step of a shipped playbook is piped through quote', (t) => {
  const found = findings();
  t.deepEqual(
    found.map((f) => `playbooks/${f.file}: task "${f.task}": {{ ${f.expression} }}`),
    [],
    'add `| quote` (or, for a value that is provably not a string, an ALLOWED entry saying why)',
  );
});

test('the check sees what it must: an unquoted variable, a quote that is not the last filter', (t) => {
  t.deepEqual(unquotedExpressions('echo "{{ etcd_data_dir }}" {{ d | quote }} {{ x | quote | upper }} {{- y -}}'), [
    'etcd_data_dir',
    'x | quote | upper',
    'y',
  ]);
  t.true(shellSteps(parse('- block:\n    - name: a\n      shell:\n        cmd: "rm {{ p }}"\n  rescue:\n    - shell: "x {{ q }}"\n')).length === 2);
});

test('run_id holds no shell syntax', (t) => {
  t.regex(newRunId(), /^[0-9TZ]+-[0-9a-f]{4}$/);
});

test('every ALLOWED entry is still used by a shipped playbook', (t) => {
  const used = new Set<string>();
  for (const file of readdirSync(playbookDir).filter((f) => /\.ya?ml$/.test(f))) {
    for (const step of shellSteps(parse(readFileSync(join(playbookDir, file), 'utf8')))) {
      for (const m of step.text.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)) used.add(m[1]!.trim());
    }
  }
  t.deepEqual(
    Object.keys(ALLOWED).filter((k) => !used.has(k)),
    [],
  );
});
