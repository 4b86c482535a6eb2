import test from 'ava';
import { ObservedTransport, PrivateKeyGuard } from '../../../src/engine/observed-transport.js';
import { Secrets } from '../../../src/engine/redact.js';
import { readTlsMaterial } from '../../../src/etcd/tls-files.js';
import { EventBus } from '../../../src/events/bus.js';
import type { RunEvent } from '../../../src/events/types.js';
import type { ExecOptions, ExecResult } from '../../../src/transport/types.js';
import { RecordingHost } from './engine-fixture.js';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUX\n-----END CERTIFICATE-----\n';

/** a member holding TLS files: `cat -- PATH` prints them, in two chunks as a real channel may */
class FilesHost extends RecordingHost {
  readonly sent: ExecOptions[] = [];
  override async exec(line: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.sent.push(opts);
    const text = /key/.test(line) ? KEY : CERT;
    opts.onStdout?.(text.slice(0, 40));
    opts.onStdout?.(text.slice(40));
    return { exitCode: 0, stdout: text, stderr: '', durationMs: 1 };
  }
}

function observe(inner: RecordingHost, opts: ConstructorParameters<typeof ObservedTransport>[4]): { t: ObservedTransport; events: RunEvent[] } {
  const bus = new EventBus();
  const events: RunEvent[] = [];
  bus.on((e) => events.push(e));
  return { t: new ObservedTransport(inner, bus, 'task', 'node1', opts), events };
}

test('the TLS files an etcd client reads never become events, whatever the task', async (t) => {
  const host = new FilesHost('node1');
  const { t: transport, events } = observe(host, { noLog: false });
  const tls = await readTlsMaterial(transport, { cacert: '/etc/etcd/ca.crt', cert: '/etc/etcd/client.crt', key: '/etc/etcd/client.key' }, false);
  t.is(tls.privateKey?.toString(), KEY, 'the client still gets the key');
  t.true(host.sent.every((o) => o.secretOutput === true));
  t.deepEqual(events.filter((e) => e.type === 'output'), []);
  t.false(JSON.stringify(events).includes('MIIEvQ'));
});

test('a private key printed by a command is dropped from its output events, across chunks', async (t) => {
  const host = new FilesHost('node1');
  const { t: transport, events } = observe(host, { noLog: false });
  await transport.exec('cat -- /etc/etcd/client.key');
  const shown = events.flatMap((e) => (e.type === 'output' ? [e.text] : [])).join('');
  t.false(shown.includes('MIIEvQ'));
  t.regex(shown, /<private key hidden>/);
  // a certificate is no secret
  events.length = 0;
  await transport.exec('cat -- /etc/etcd/ca.crt');
  t.is(events.flatMap((e) => (e.type === 'output' ? [e.text] : [])).join(''), CERT);
});

test('the output of a task that registers a secret-named value is not told', async (t) => {
  const host = new FilesHost('node1');
  const { t: transport, events } = observe(host, { noLog: false, quietOutput: true });
  await transport.exec('cat -- /etc/etcd/ca.crt');
  t.deepEqual(events.filter((e) => e.type === 'output'), []);
  t.is(events.filter((e) => e.type === 'cmd').length, 1);
});

test('a command or env holding a known secret is sent hidden', async (t) => {
  const secrets = new Secrets();
  secrets.add('known-secret-9');
  const host = new FilesHost('node1');
  const { t: transport } = observe(host, { noLog: false, secrets });
  await transport.exec('echo plain');
  await transport.exec('echo known-secret-9');
  await transport.exec('echo "$X"', { env: { X: 'known-secret-9' } });
  t.deepEqual(host.sent.map((o) => o.hideCommand ?? false), [false, true, true]);
});

test('PrivateKeyGuard passes text around a key and resumes after its END line', (t) => {
  const g = new PrivateKeyGuard();
  t.is(g.filter('before\n-----BEGIN RSA PRIVATE KEY-----\nAAAA'), 'before\n');
  t.is(g.filter('BBBB\n'), '');
  t.is(g.filter('CCCC\n-----END RSA PRIVATE KEY-----\nafter\n'), '<private key hidden>after\n');
});
