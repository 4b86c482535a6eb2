/**
 * A play's `vars_files` as `validate` reads them: synchronously, relative to the playbook,
 * with problems (missing file, bad YAML, not a mapping) at their locations instead of thrown.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ConfigProblem, SourceLocation } from '../errors.js';
import type { Vars } from '../inventory/types.js';
import { isTemplate, render } from '../template/index.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { parseYaml, type YamlSource } from './yaml-source.js';
import { checkTrustedFile } from '../util/trusted-files.js';

export interface VarsFile {
  path: string;
  vars: Vars;
  source: YamlSource;
}

export function readVarsFilesSync(
  names: string[],
  playbookFile: string,
  vars: Vars,
  locOf: (index: number) => SourceLocation | undefined,
  vault?: VaultKeyring,
): { files: VarsFile[]; problems: ConfigProblem[] } {
  const files: VarsFile[] = [];
  const problems: ConfigProblem[] = [];
  names.forEach((name, i) => {
    let path = name;
    if (isTemplate(name)) {
      try {
        path = render(name, vars);
      } catch {
        return; // its names are reported where the path is checked
      }
    }
    const full = isAbsolute(path) ? path : resolve(dirname(playbookFile), path);
    checkTrustedFile(full, 'vars file');
    let text: string;
    try {
      text = readFileSync(full, 'utf8');
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      problems.push({
        message: missing ? `vars_files: no such file: ${full}` : `vars_files: cannot read ${full}: ${(err as Error).message}`,
        loc: locOf(i),
        hint: missing ? 'paths are relative to the playbook' : undefined,
      });
      return;
    }
    const parsed = parseYaml(text, full, vault);
    problems.push(...parsed.problems);
    if (!parsed.source) return;
    const value = parsed.source.value ?? {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ message: `vars_files: ${full} must hold a mapping of variables`, loc: { file: full, line: 1, col: 1 } });
      return;
    }
    files.push({ path: full, vars: value as Vars, source: parsed.source });
  });
  return { files, problems };
}
