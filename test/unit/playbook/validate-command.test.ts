import test from 'ava';
import { validateCommand } from '../../../src/cli/validate-command.js';
import { fixture } from './helpers.js';

async function run(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  let code = -1;
  const cmd = validateCommand({ out: (text) => (out += text), exit: (c) => (code = c) });
  cmd.exitOverride();
  await cmd.parseAsync(args, { from: 'user' });
  return { code, out };
}

test('a valid playbook exits 0; warnings are printed but do not fail', async (t) => {
  const { code, out } = await run(fixture('valid.yaml'));
  t.is(code, 0);
  t.is(out, `${fixture('valid.yaml')}:42:14: warning: \`etcd_name\` is not defined in the playbook (is it an inventory variable? pass -i to check)\n0 errors, 1 warning\n`);
});

test('with -i and -e everything is checked; a clean run says 0 errors', async (t) => {
  const { code, out } = await run(fixture('valid.yaml'), '-i', fixture('inventory.ini'), '-e', 'etcd_name=x');
  t.is(code, 0);
  t.is(out, '0 errors\n');
});

for (const [file, line] of [
  ['syntax-error.yaml', ':5:5: YAML syntax error: '],
  ['unknown-key.yaml', ':2:3: unknown key `serail` in play (did you mean `serial`?)'],
  ['bad-type.yaml', ':7:16: `retries` must be a whole number, or a template such as "{{ n }}", got string "three"'],
] as const) {
  test(`${file}: exit 2 with file:line:col`, async (t) => {
    const { code, out } = await run(fixture(file));
    t.is(code, 2);
    const lines = out.trimEnd().split('\n');
    t.true(lines[0]!.startsWith(`${fixture(file)}${line}`), lines[0]);
    t.is(lines[lines.length - 1], '1 error');
  });
}

test('undefined variables: warnings without -i, errors (exit 2) with it', async (t) => {
  const without = await run(fixture('undefined-variable.yaml'));
  t.is(without.code, 0);
  t.regex(without.out, /:7:15: warning: `unti` is not defined in the playbook \(did you mean `unit`\?\)/);
  const withInventory = await run(fixture('undefined-variable.yaml'), '-i', fixture('inventory.ini'));
  t.is(withInventory.code, 2);
  t.regex(withInventory.out, /undefined-variable\.yaml:7:15: undefined variable `unti` \(did you mean `unit`\?\)\n/);
  t.regex(withInventory.out, /\n2 errors\n$/);
});

test('problems in the inventory and in -e are reported with the playbook problems', async (t) => {
  const { code, out } = await run(fixture('unknown-key.yaml'), '-i', fixture('no-such-inventory.ini'), '-e', '@/nonexistent/vars.yaml');
  t.is(code, 2);
  t.regex(out, /unknown key `serail`/);
  t.regex(out, /no-such-inventory/);
  t.regex(out, /nonexistent/);
  t.regex(out, /\n3 errors\n$/);
});
