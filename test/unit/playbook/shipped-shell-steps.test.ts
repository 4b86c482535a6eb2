/**
 * Every shell step of every shipped runbook stops at its first failing command, and every
 * rollback step written as a script says whether it changed anything.
 *
 * Each step's script is run under /bin/sh with nothing real on PATH: every command it could
 * call is a stand-in that logs its name and succeeds, except one that fails. For each command
 * made to fail in turn, and with the templated paths existing and not (so both sides of each
 * `if [ -e ... ]` run), the rule is: once the failing command has run, the script runs no
 * other command and exits non-zero. Templates are replaced by a path, `{% if %}` blocks are
 * kept whole: the test sees every line a host could get.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { Task } from '../../../src/playbook/types.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const playbookDir = join(repo, 'playbooks');

/** what a shipped step may call; anything else is not found (127), which counts as a failure too */
const COMMANDS = ['mv', 'install', 'stat', 'cp', 'rm', 'df', 'awk', 'dirname', 'basename', 'mkdir', 'chown', 'chmod', 'ln', 'touch', 'cat', 'sed', 'grep', 'sha256sum', 'find', 'sync', 'readlink', 'mktemp', 'sleep', 'systemctl'];

interface ShellStep {
  where: string;
  script: string;
  isUndo: boolean;
  task: Task;
}

async function shippedShellSteps(): Promise<ShellStep[]> {
  const steps: ShellStep[] = [];
  for (const f of readdirSync(playbookDir).filter((n) => n.endsWith('.yaml'))) {
    const pb = await loadPlaybook(join(playbookDir, f));
    for (const play of pb.plays) {
      const add = (t: Task, isUndo: boolean) => {
        if (t.module !== 'shell') return;
        steps.push({ where: `${f}:${t.loc.line} ${t.name}`, script: String((t.args as { cmd: string }).cmd), isUndo, task: t });
      };
      for (const t of [...play.preflight, ...play.tasks, ...play.handlers]) {
        add(t, false);
        for (const r of t.rollback) add(r, true);
      }
      for (const r of play.rollback) add(r, true);
    }
  }
  return steps;
}

/** every `{{ ... }}` becomes `path` (quoted as `| quote` would), `{% ... %}` tags go */
function concrete(script: string, path: string): string {
  return script.replace(/\{%.*?%\}/g, '').replace(/\{\{.*?\}\}/g, `'${path}'`);
}

function shims(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const c of COMMANDS) {
    const out = c === 'stat' || c === 'awk' ? 'echo 0' : c === 'dirname' ? 'echo /' : c === 'df' ? 'printf "Filesystem 1024-blocks Used Available Capacity Mounted\\nfs 100 1 99 1%% /\\n"' : ':';
    writeFileSync(join(bin, c), `#!/bin/sh\necho ${c} >> "$SHIM_LOG"\nif [ "$SHIM_FAIL" = ${c} ]; then echo "${c}: failed" >&2; exit 1; fi\n${out}\n`);
    chmodSync(join(bin, c), 0o755);
  }
  return bin;
}

test('every multi-command shell step of a shipped runbook stops at its first failing command', async (t) => {
  const steps = await shippedShellSteps();
  t.true(steps.length >= 10, `found ${steps.length} shell steps`);
  const dir = mkdtempSync(join(tmpdir(), 'shell-steps-'));
  const bin = shims(dir);
  const exists = join(dir, 'exists');
  mkdirSync(exists);
  const log = join(dir, 'log');
  let exercised = 0;
  for (const step of steps) {
    // only what the script names can be called (the rest would just not be reached)
    const named = COMMANDS.filter((c) => new RegExp(`(^|[^\\w-])${c}([^\\w-]|$)`, 'm').test(step.script));
    for (const path of [exists, join(dir, 'missing')]) {
      for (const fail of named) {
        writeFileSync(log, '');
        const r = spawnSync('/bin/sh', ['-c', concrete(step.script, path)], { env: { PATH: bin, SHIM_LOG: log, SHIM_FAIL: fail }, encoding: 'utf8', timeout: 10_000 });
        const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
        const at = calls.indexOf(fail);
        if (at < 0) continue;
        exercised++;
        const what = `${step.where} with ${fail} failing (paths ${path === exists ? 'existing' : 'missing'}): ran ${calls.join(', ')}; exit ${r.status}; stdout ${JSON.stringify(r.stdout)}`;
        t.not(r.status, 0, what);
        t.is(at, calls.length - 1, `no command may run after the failing one: ${what}`);
      }
    }
  }
  t.true(exercised >= 20, `only ${exercised} runs reached a failing command`);
  rmSync(dir, { recursive: true, force: true });
});

test('the data-dir move of replace-member.yaml stops when mv fails, and does not say "moved"', async (t) => {
  const step = (await shippedShellSteps()).find((s) => s.where.startsWith('replace-member.yaml') && s.script.includes('install -d'));
  t.truthy(step);
  const dir = mkdtempSync(join(tmpdir(), 'shell-steps-'));
  const bin = shims(dir);
  const log = join(dir, 'log');
  writeFileSync(log, '');
  const r = spawnSync('/bin/sh', ['-c', concrete(step!.script, dir)], { env: { PATH: bin, SHIM_LOG: log, SHIM_FAIL: 'mv' }, encoding: 'utf8' });
  t.not(r.status, 0);
  t.notRegex(r.stdout, /moved/);
  t.deepEqual(readFileSync(log, 'utf8').split('\n').filter(Boolean), ['mv']);
  rmSync(dir, { recursive: true, force: true });
});

test('multi-line shell steps start with `set -eu`, and scripted rollback steps report changed only when they changed something', async (t) => {
  for (const step of await shippedShellSteps()) {
    const lines = step.script.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    if (lines.length > 1) t.is(lines[0]!.trim(), 'set -eu', `${step.where} must start with set -eu`);
    // a one-command undo (cp of the saved config, rm of a half-written backup) always changes
    if (step.isUndo && lines.length > 1) t.truthy(step.task.changed_when, `${step.where}: an undo script needs changed_when (it may find nothing to do)`);
  }
});
