import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import test from 'ava';
import { quote, quoteArgv, sh, withBecome, withEnv } from '../../../src/transport/shell-quote.js';
import { fakeSudoDir } from './fake-sudo.js';

const NASTY = `x'; rm -rf / #"$(id)\`id\` \\ \n end`;

function runSh(line: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync('/bin/sh', ['-c', line], { env, encoding: 'utf8' });
}

test('quote: plain words stay bare, everything else is single-quoted', (t) => {
  t.is(quote('/etc/etcd/etcd.conf'), '/etc/etcd/etcd.conf');
  t.is(quote(''), "''");
  t.is(quote("it's"), `'it'"'"'s'`);
  t.is(sh`cat ${'/a b'} ${['x', 'y z']}`, `cat '/a b' x 'y z'`);
});

test('a word that looks like an assignment is quoted, so it stays the command to run', (t) => {
  t.is(quote('LD_PRELOAD=/tmp/x.so'), `'LD_PRELOAD=/tmp/x.so'`);
  t.is(quote('--data-dir=/var/lib/etcd'), '--data-dir=/var/lib/etcd');
  t.is(quote('a=b'), `'a=b'`);
  // unquoted, sh would set X=1 and run `echo ran`; quoted, the first word is the (missing) program
  const line = `${quoteArgv(['X=1', 'echo', 'ran'])} 2>/dev/null; echo "exit $?"`;
  t.is(runSh(line), 'exit 127\n');
});

test('an env value with shell syntax arrives as data', (t) => {
  const line = withEnv(`printf '%s' "$V"`, { V: NASTY, W: '' });
  t.true(line.startsWith('export V='));
  t.is(runSh(line), NASTY);
});

test('env names must be identifiers: they are not quoted', (t) => {
  t.throws(() => withEnv('true', { 'A;rm': 'x' }), { instanceOf: TypeError });
  t.throws(() => withEnv('true', { '1A': 'x' }), { instanceOf: TypeError });
  t.is(withEnv('true', {}), 'true');
  t.is(withEnv('true', undefined), 'true');
});

test('become wraps the whole command, which arrives intact', (t) => {
  const inner = withEnv(`printf '%s|%s' "$V" ${quote(NASTY)}`, { V: NASTY });
  const line = withBecome(inner, { user: 'etcd' });
  t.true(line.startsWith('sudo -n -H -u etcd -- /bin/sh -c '));
  const sudoDir = fakeSudoDir();
  try {
    const env = { ...process.env, PATH: `${sudoDir}:${process.env.PATH}`, FAKE_SUDO_ASK: '0' };
    t.is(runSh(line, env), `${NASTY}|${NASTY}`);
  } finally {
    rmSync(sudoDir, { recursive: true, force: true });
  }
  t.is(withBecome('id', false), 'id');
});
