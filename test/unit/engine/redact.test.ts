import test from 'ava';
import { MASK, PEM_MASK, Secrets, isSecretName, redactor } from '../../../src/engine/redact.js';
import type { RunEvent } from '../../../src/events/types.js';
import { quote } from '../../../src/transport/shell-quote.js';

test('secret names: passwords, tokens, keys and credentials in their common spellings', (t) => {
  for (const name of [
    'db_password',
    'ansible_become_pass',
    'ansible_become_password',
    'smtp_passwd',
    'db_pwd',
    'pwd',
    'key_passphrase',
    'client_secret',
    'vault_token',
    'apikey',
    'api_key',
    'grafana_apikey',
    'aws_secret_access_key',
    'aws_credentials',
    'registry_credential',
    'tls_private_key',
    'minio_secret_key',
  ]) {
    t.true(isSecretName(name), name);
  }
  for (const name of ['etcd_key', 'etcd_cert', 'ansible_ssh_private_key_file', 'bypass', 'compass_dir', 'restore_token', 'initial_cluster_token', 'aws_access_key_id', 'password_file', 'keep_last']) {
    t.false(isSecretName(name), name);
  }
});

test('a secret is found as is, shell-quoted, JSON-escaped and base64-encoded', (t) => {
  const secrets = new Secrets();
  const pw = `it's "q" \\ x`;
  secrets.add(pw);
  for (const form of [pw, quote(pw), JSON.stringify(pw).slice(1, -1), Buffer.from(pw).toString('base64')]) {
    const out = secrets.redactText(`before ${form} after`);
    t.is(out, `before ${MASK} after`, form);
    t.true(secrets.occursIn(`x${form}y`));
  }
  t.false(secrets.occursIn('nothing here'));
});

test('numeric secrets are secrets; values too short to be one are not', (t) => {
  const secrets = new Secrets();
  secrets.addNamed({ db_pin_password: 73914562, short_password: 'ab', flag_token: true });
  t.is(secrets.redactText('pin 73914562'), `pin ${MASK}`);
  t.is(secrets.redactText('ab true'), 'ab true');
});

test('nested values: creds.password, everything under a secret-named mapping, lists', (t) => {
  const secrets = new Secrets();
  secrets.addNamed({
    creds: { user: 'admin-user', password: 'nested-pw-1' },
    aws_credentials: { id: 'AKIDVALUE', key: 'aws-key-2' },
    users: [{ name: 'bob', api_key: 'list-key-3' }],
    plain: 'not-a-secret',
  });
  const text = 'admin-user nested-pw-1 AKIDVALUE aws-key-2 bob list-key-3 not-a-secret';
  t.is(secrets.redactText(text), `admin-user ${MASK} ${MASK} ${MASK} bob ${MASK} not-a-secret`);
});

test('a templated secret is taken as rendered', (t) => {
  const secrets = new Secrets();
  const rendered: Record<string, string> = { db_password: 'rendered-pw' };
  secrets.addNamed({ db_password: '{{ vault_db_password }}' }, (name) => rendered[name]);
  t.is(secrets.redactText('x rendered-pw'), `x ${MASK}`);
});

test('a multi-line secret is also hidden line by line', (t) => {
  const secrets = new Secrets();
  secrets.add('first-line-of-it\nsecond-line-of-it\n');
  t.is(secrets.redactText('> second-line-of-it'), `> ${MASK}`);
});

test('a PEM private key is hidden even when no variable names it', (t) => {
  const secrets = new Secrets();
  const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
  t.is(secrets.redactText(`key:\n${key}done`), `key:\n${PEM_MASK}\ndone`);
  // cut off by the end of a chunk of output
  t.is(secrets.redactText('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB'), PEM_MASK);
  // a certificate is not secret
  const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
  t.is(secrets.redactText(cert), cert);
});

test('the redactor blanks every string of an event, at any depth, and leaves the rest', (t) => {
  const secrets = new Secrets();
  secrets.add('s3cret-value');
  const redact = redactor(secrets);
  const e: RunEvent = {
    type: 'host:end',
    phase: 'task',
    task: 'uses s3cret-value',
    taskIndex: 0,
    host: 'a',
    status: 'failed',
    durationMs: 5,
    msg: 'login s3cret-value failed',
    diff: [{ path: '/x', before: 'a', after: 'pw=s3cret-value' }],
  };
  const out = redact(e) as typeof e;
  t.is(out.task, `uses ${MASK}`);
  t.is(out.msg, `login ${MASK} failed`);
  t.is(out.diff![0]!.after, `pw=${MASK}`);
  t.is(out.durationMs, 5);
  t.is(e.msg, 'login s3cret-value failed', 'the original event is not changed');
});

test('a secret added later is redacted from then on', (t) => {
  const secrets = new Secrets();
  secrets.add('first-secret');
  t.is(secrets.redactText('second-secret'), 'second-secret');
  secrets.add('second-secret');
  t.is(secrets.redactText('first-secret second-secret'), `${MASK} ${MASK}`);
});
