import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import type { Vars } from '../inventory/types.js';
import { render } from '../template/index.js';

/** A play's `vars_files`, relative to the playbook, names templated with play and extra vars. */
export async function loadVarsFiles(files: string[], playbookDir: string, vars: Vars): Promise<Vars> {
  const out: Vars = {};
  for (const name of files) {
    const path = resolvePath(render(name, vars), playbookDir);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new ConfigError({ message: `vars_files: cannot read ${path}: ${(err as Error).message}`, hint: 'the path is relative to the playbook' });
    }
    const doc = parseDocument(text, { prettyErrors: false });
    if (doc.errors.length) {
      throw new ConfigError(
        doc.errors.map((e) => ({ message: e.message.split('\n')[0]!, loc: { file: path, line: e.linePos?.[0]?.line ?? 1, col: e.linePos?.[0]?.col ?? 1 } })),
      );
    }
    const value = doc.toJS() ?? {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigError({ message: `vars_files: ${path} must hold a mapping of variables`, loc: { file: path, line: 1, col: 1 } });
    }
    Object.assign(out, value);
  }
  return out;
}

function resolvePath(p: string, base: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}
