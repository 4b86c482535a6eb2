import test from 'ava';
import { applyMode, chmodArgument, isValidMode } from '../../../src/modules/lib/file-mode.js';

const cases: Array<[number, string, boolean, number]> = [
  // current, spec, directory, expected
  [0o644, '0600', false, 0o600],
  [0o644, '755', false, 0o755],
  [0o644, '1777', true, 0o1777],
  [0o644, 'u+x', false, 0o744],
  [0o644, '+x', false, 0o755],
  [0o777, 'go-w', false, 0o755],
  [0o640, 'a+r', false, 0o644],
  [0o755, 'u=rw,go=r', false, 0o644],
  [0o600, 'u=rwX,g=rX,o=', false, 0o640],
  [0o700, 'u=rwX,g=rX,o=', true, 0o750],
  [0o700, 'g+X', false, 0o710],
  [0o644, 'u+s', false, 0o4644],
  [0o4755, 'u=rwx', false, 0o755],
  [0o2755, 'u=rwx', true, 0o2755],
  [0o755, 'o+t', true, 0o1755],
  [0o644, 'u+x,u-x', false, 0o644],
  [0o644, 'u+rw-x=r', false, 0o444],
];

for (const [current, spec, dir, expected] of cases) {
  test(`applyMode ${current.toString(8)} ${spec}${dir ? ' (dir)' : ''} -> ${expected.toString(8)}`, (t) => {
    t.is(applyMode(current, spec, dir), expected);
  });
}

test('chmodArgument: octal padded, symbolic made explicit so the umask does not apply', (t) => {
  t.is(chmodArgument('644'), '0644');
  t.is(chmodArgument('+x'), 'a+x');
  t.is(chmodArgument('u+x,-w'), 'u+x,a-w');
});

test('isValidMode', (t) => {
  for (const ok of ['0644', '644', '1777', 'u+x', 'a=rX', 'u=rw,g=r,o=']) t.true(isValidMode(ok), ok);
  for (const bad of ['', '8', '99999', '0o644', 'rwx', 'u+q', '644; rm -rf /', 'u+x,']) t.false(isValidMode(bad), bad);
});
