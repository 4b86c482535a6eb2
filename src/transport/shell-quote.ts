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
  // NAME=... is quoted: as the first word of a command the shell would take it as a variable
  // assignment (LD_PRELOAD=/tmp/x.so), not as the program to run; --flag=value stays readable
  if (/^[A-Za-z0-9_\/.,:=@%+-]+$/.test(s) && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(s)) return s;
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

/**
 * Wrap a command so that it runs with privileges: `sudo -n -u USER -- sh -c CMD`.
 * The transports send a become password through commandEnvelope (command-envelope.ts), which
 * feeds it only when sudo actually asks; this plain form is for building command text.
 */
export function withBecome(command: string, become: { user?: string; password?: string } | false | undefined): string {
  if (!become) return command;
  const user = become.user ?? 'root';
  // -S reads the password from stdin (we send it first); -n fails fast instead of prompting.
  const flags = become.password !== undefined ? '-S -p ""' : '-n';
  return `sudo ${flags} -H -u ${quote(user)} -- /bin/sh -c ${quote(command)}`;
}

/**
 * Prefix a command with `export K=V;` lines. sshd accepts only the env requests its AcceptEnv
 * allows, and sudo resets the environment, so the values travel in the command line, quoted.
 *
 *   withEnv('etcdctl get x', { ETCDCTL_API: '3' }) -> "export ETCDCTL_API=3; etcdctl get x"
 */
export function withEnv(command: string, env: Record<string, string> | undefined): string {
  if (!env) return command;
  const names = Object.keys(env);
  if (names.length === 0) return command;
  for (const name of names) {
    // a name is spliced in unquoted, so it must be a plain identifier
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`invalid environment variable name: ${JSON.stringify(name)}`);
  }
  return names.map((n) => `export ${n}=${quote(env[n]!)}; `).join('') + command;
}
