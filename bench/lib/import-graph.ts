import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

/**
 * The static import graph of the built CLI: which packages `node dist/cli.js` loads before it
 * does anything, and through which of runbook's own modules (the first chain found, breadth
 * first). Dynamic `import()` is not followed: that is what loading on demand looks like.
 */
export interface StartupImports {
  ownModules: number;
  /** package -> chain of own modules from the entry to the importer, entry first */
  packages: Map<string, string[]>;
}

const STATIC = /^\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

export function startupImports(entry: string): StartupImports {
  const root = dirname(entry);
  const prev = new Map<string, string | undefined>([[entry, undefined]]);
  const packages = new Map<string, string[]>();
  const queue = [entry];
  const chain = (file: string): string[] => {
    const out: string[] = [];
    for (let f: string | undefined = file; f; f = prev.get(f)) out.unshift(relative(root, f));
    return out;
  };
  while (queue.length) {
    const file = queue.shift()!;
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(STATIC)) {
      const spec = m[1] ?? m[2]!;
      // type-only imports vanish when TypeScript compiles (src/ is read when there is no dist/)
      if (spec.startsWith('node:') || /^\s*(?:import|export)\s+type\s/.test(m[0])) continue;
      if (spec.startsWith('.')) {
        let dep = resolve(dirname(file), spec);
        if (file.endsWith('.ts') && dep.endsWith('.js')) dep = `${dep.slice(0, -3)}.ts`;
        if (!prev.has(dep) && existsSync(dep)) {
          prev.set(dep, file);
          queue.push(dep);
        }
      } else {
        const name = packageName(spec);
        if (!packages.has(name)) packages.set(name, chain(file));
      }
    }
  }
  return { ownModules: prev.size, packages };
}
