import test from 'ava';
import { splitCommand } from '../../../src/modules/lib/split-command.js';

const cases: Array<[string, string[]]> = [
  ['etcdctl member list', ['etcdctl', 'member', 'list']],
  ['  spaced\tout  ', ['spaced', 'out']],
  [`a 'b c' "d e"`, ['a', 'b c', 'd e']],
  [`it"'"s`, [`it's`]],
  [`"a \\"quoted\\" \\$x \\\\ \\n"`, ['a "quoted" $x \\ \\n']],
  [`a\\ b c`, ['a b', 'c']],
  [`'' ""`, ['', '']],
  ['$HOME *.txt `id`', ['$HOME', '*.txt', '`id`']],
  ['a\\\nb', ['ab']],
];

for (const [line, words] of cases) {
  test(`splitCommand ${JSON.stringify(line)}`, (t) => {
    t.deepEqual(splitCommand(line), words);
  });
}

test('splitCommand: unterminated quotes and a trailing backslash are errors', (t) => {
  t.throws(() => splitCommand(`echo 'open`), { message: /unterminated ' quote/ });
  t.throws(() => splitCommand(`echo "open`), { message: /unterminated " quote/ });
  t.throws(() => splitCommand(`echo \\`), { message: /lone backslash/ });
});
