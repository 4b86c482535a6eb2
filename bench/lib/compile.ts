import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const benchDir = fileURLToPath(new URL('../', import.meta.url));
export const repoDir = fileURLToPath(new URL('../../', import.meta.url));
/** compiled helper scripts (git-ignored): measured as whole processes without a TypeScript loader */
export const outDir = `${benchDir}.out/`;

/**
 * Compile one self-contained bench script (node builtins and packages only) to plain ESM in
 * bench/.out/, next to the repository's node_modules so its imports resolve as they would in dist/.
 */
export function compileScript(name: string): string {
  const src = readFileSync(`${benchDir}${name}.ts`, 'utf8');
  const out = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: `${name}.ts`,
  });
  mkdirSync(outDir, { recursive: true });
  const file = `${outDir}${name}.mjs`;
  writeFileSync(file, out.outputText);
  return file;
}
