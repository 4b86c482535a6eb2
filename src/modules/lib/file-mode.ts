/**
 * `mode:` values as chmod understands them: octal (`'0644'`, `'755'`) or symbolic
 * (`'u+x,go-w'`, `'a=rX'`). Applied in TypeScript too, so a module knows before it runs
 * chmod whether anything would change.
 *
 *   applyMode(0o644, 'u+x', false) -> 0o744
 *   applyMode(0o600, '0640', false) -> 0o640
 */
const OCTAL = /^0?[0-7]{3,4}$/;
const SYMBOLIC = /^[ugoa]*(?:[-+=][rwxXst]*)+(?:,[ugoa]*(?:[-+=][rwxXst]*)+)*$/;

export function isValidMode(spec: string): boolean {
  return OCTAL.test(spec) || SYMBOLIC.test(spec);
}

export function isOctalMode(spec: string): boolean {
  return OCTAL.test(spec);
}

/** `0o644` -> `'0644'` */
export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/**
 * The argument to pass to chmod. A symbolic clause without a `who` is made explicit (`+x` ->
 * `a+x`) because chmod would otherwise apply the remote umask, and the prediction made here
 * would then be wrong.
 */
export function chmodArgument(spec: string): string {
  if (OCTAL.test(spec)) return formatMode(parseInt(spec, 8));
  return spec
    .split(',')
    .map((clause) => (/^[ugoa]/.test(clause) ? clause : `a${clause}`))
    .join(',');
}

const SHIFT = { u: 6, g: 3, o: 0 } as const;
type Who = keyof typeof SHIFT;
const SPECIAL: Record<Who, number> = { u: 0o4000, g: 0o2000, o: 0o1000 };

/** The mode a file ends up with after `chmod spec` (octal or symbolic). */
export function applyMode(current: number, spec: string, isDirectory: boolean): number {
  if (OCTAL.test(spec)) return parseInt(spec, 8);
  let mode = current & 0o7777;
  for (const clause of spec.split(',')) {
    const whoPart = /^[ugoa]*/.exec(clause)![0];
    const who: Who[] = whoPart === '' || whoPart.includes('a') ? ['u', 'g', 'o'] : ([...new Set(whoPart)] as Who[]);
    for (const [, op, perms] of clause.slice(whoPart.length).matchAll(/([-+=])([rwxXst]*)/g)) {
      let bits = 0;
      for (const w of who) {
        for (const p of perms!) {
          if (p === 'r') bits |= 4 << SHIFT[w];
          else if (p === 'w') bits |= 2 << SHIFT[w];
          else if (p === 'x') bits |= 1 << SHIFT[w];
          else if (p === 'X' && (isDirectory || (mode & 0o111) !== 0)) bits |= 1 << SHIFT[w];
          else if (p === 's' && w !== 'o') bits |= SPECIAL[w];
          else if (p === 't' && w === 'o') bits |= SPECIAL.o;
        }
      }
      if (op === '+') mode |= bits;
      else if (op === '-') mode &= ~bits;
      else {
        let cleared = 0;
        for (const w of who) {
          cleared |= 7 << SHIFT[w];
          // chmod leaves a directory's setuid/setgid alone unless they are named
          if (w === 'o' || !isDirectory) cleared |= SPECIAL[w];
        }
        mode = (mode & ~cleared) | bits;
      }
    }
  }
  return mode;
}
