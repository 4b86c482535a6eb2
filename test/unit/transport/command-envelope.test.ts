import test from 'ava';
import { commandEnvelope, EnvelopeReader } from '../../../src/transport/command-envelope.js';

test('without become or pid the command is sent as it is', (t) => {
  const e = commandEnvelope('id -u', {});
  t.is(e.command, 'id -u');
  t.is(e.sudo, undefined);
  t.is(commandEnvelope('id -u', { become: {} }).command, `sudo -n -H -u root -- /bin/sh -c 'id -u'`);
});

test('the sudo password never appears in the command line', (t) => {
  const e = commandEnvelope('cat > /etc/x', { become: { user: 'root', password: 'hunter2; rm -rf /' }, reportPid: true });
  t.false(e.command.includes('hunter2'));
  t.true(e.command.includes('sudo -S -p '));
  t.is(e.sudo?.password, 'hunter2; rm -rf /');
});

test('the reader finds the pid, answers the prompt once, then opens stdin at the marker', (t) => {
  const e = commandEnvelope('x', { become: { password: 'pw' }, reportPid: true });
  const r = new EnvelopeReader(e);
  const pidLine = `[runbook ${e.token} pid 4242]\n`;
  const prompt = e.sudo!.prompt;
  // everything arrives in awkward pieces
  const a = r.push(pidLine.slice(0, 10));
  t.deepEqual(a, { visible: '', steps: [] });
  const b = r.push(pidLine.slice(10) + prompt.slice(0, 5));
  t.deepEqual(b.steps, [{ pid: 4242 }]);
  t.is(b.visible, '');
  const c = r.push(prompt.slice(5));
  t.deepEqual(c.steps, [{ send: 'password' }]);
  const d = r.push(`${e.sudo!.marker}\nreal stderr`);
  t.deepEqual(d, { visible: 'real stderr', steps: [{ send: 'stdin' }] });
  t.true(r.done);
  t.deepEqual(r.push('more'), { visible: 'more', steps: [] });
});

test('a second prompt (wrong password) is answered with EOF; sudo complaints stay visible', (t) => {
  const e = commandEnvelope('x', { become: { password: 'wrong' } });
  const r = new EnvelopeReader(e);
  t.deepEqual(r.push(e.sudo!.prompt).steps, [{ send: 'password' }]);
  t.deepEqual(r.push(`Sorry, try again.\n${e.sudo!.prompt}`).steps, [{ send: 'eof' }]);
  t.is(r.flush(), 'Sorry, try again.\n');
});

test('when sudo does not ask, the marker alone opens stdin', (t) => {
  const e = commandEnvelope('x', { become: { password: 'pw' } });
  const r = new EnvelopeReader(e);
  t.deepEqual(r.push(`${e.sudo!.marker}\n`), { visible: '', steps: [{ send: 'stdin' }] });
});
