/**
 * POSIX shell quoting. Every value that reaches a remote command goes through `quote`,
 * so `; rm -rf /` in a variable arrives as data.
 *
 *   quote("it's")          -> 'it'"'"'s'
 *   sh`cat ${path} > ${x}` -> cat '/etc/x' > 'y'
 */
export function quote(value: string | number): string {
  const s = String(value);
  if (s === '') return "''";
  if (/^[A-Za-z0-9_\/.,:=@%+-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

export function quoteArgv(argv: readonly (string | number)[]): string {
  return argv.map(quote).join(' ');
}

/** Tagged template that quotes every interpolated value; arrays become space-separated words. */
export function sh(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += Array.isArray(v) ? quoteArgv(v as (string | number)[]) : quote(String(v));
    out += strings[i + 1] ?? '';
  });
  return out;
}

/** Wrap a command so that it runs with privileges: `sudo -n -u USER -- sh -c CMD`. */
export function withBecome(command: string, become: { user?: string; password?: string } | false | undefined): string {
  if (!become) return command;
  const user = become.user ?? 'root';
  // -S reads the password from stdin (we send it first); -n fails fast instead of prompting.
  const flags = become.password !== undefined ? '-S -p ""' : '-n';
  return `sudo ${flags} -H -u ${quote(user)} -- /bin/sh -c ${quote(command)}`;
}
