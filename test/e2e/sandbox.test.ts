/**
 * The sandbox itself: real sshd and etcd hosts in namespaces, as promised by
 * test/cluster/README.md. Every other e2e suite relies on these properties.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { parse as parseYaml } from 'yaml';
import { type ExecResult, type Sandbox, startSandbox, useSandbox } from '../helpers/sandbox.js';

const plain = useSandbox(test, { name: 'e2e-sandbox' });
const secure = useSandbox(test, { name: 'e2e-sandbox-tls', tls: true, quota: 1024 * 1024 });

const upScript = fileURLToPath(new URL('../cluster/up.sh', import.meta.url));

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<ExecResult & { ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The OpenSSH client exactly as the issue prescribes it. */
function openssh(sb: Sandbox, ip: string, user: string, script: string, knownHosts = sb.knownHosts) {
  return run('ssh', [
    '-F', '/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-i', sb.keyFile,
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=10',
    `${user}@${ip}`,
    script,
  ]);
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function healthyCount(out: string): number {
  return out.split('\n').filter((l) => / is healthy:/.test(l)).length;
}

test('root and the sudo user log in over ssh on every host, and each host has its own IP and name', async (t) => {
  const sb = plain();
  t.is(sb.hosts.length, 3);
  for (const h of sb.hosts) {
    const root = await openssh(sb, h.ip, 'root', 'id -un; hostname; hostname -I; ip -4 -o addr show dev eth0');
    t.is(root.code, 0, root.stderr);
    const [user, name, ips, addr] = root.stdout.trim().split('\n');
    t.is(user, 'root');
    t.is(name, h.inventoryName);
    t.deepEqual(ips?.trim().split(/\s+/), [h.ip]);
    t.regex(addr ?? '', new RegExp(`inet ${h.ip.replace(/\./g, '\\.')}/24`));

    const ops = await openssh(sb, h.ip, sb.sudoUser, 'id -un; echo "$HOME"; sudo -n true && sudo -n id -u');
    t.is(ops.code, 0, ops.stderr);
    t.deepEqual(ops.stdout.trim().split('\n'), [sb.sudoUser, `/home/${sb.sudoUser}`, '0']);
    t.is(ops.stderr, '', 'sudo on a host must not complain (e.g. about resolving its host name)');
  }
});

test('ssh refuses a host whose key does not match known_hosts', async (t) => {
  const sb = plain();
  const [a, b] = sb.hosts;
  // known_hosts that pairs host A's IP with host B's key.
  const lines = readFileSync(sb.knownHosts, 'utf8').trim().split('\n');
  const keyOfB = lines.find((l) => l.startsWith(`${b!.ip} `))!.split(' ').slice(1).join(' ');
  const wrong = `${sb.dir}/known_hosts.wrong`;
  writeFileSync(wrong, `${a!.ip} ${keyOfB}\n`);
  const res = await openssh(sb, a!.ip, 'root', 'true', wrong);
  t.not(res.code, 0);
  t.regex(res.stderr, /host key|HOST IDENTIFICATION/i);
});

test('a login round trip works, its speed settings are in place, and the sftp subsystem works', async (t) => {
  const sb = plain();
  const h = sb.hosts[0]!;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await openssh(sb, h.ip, 'root', 'true');
    t.is(r.code, 0, r.stderr);
    times.push(r.ms);
  }
  times.sort((x, y) => x - y);
  // About 50 ms on an idle machine. Logged, not asserted: a busy machine is no regression, and
  // speed is measured by the bench. What keeps it low is checked below, as configuration.
  t.log(`ssh round trip (ms): ${times.join(', ')}`);
  // The two measures that keep it low (see README.md): no 40 ms delayed-ACK
  // stalls, and no post-quantum key exchange.
  const route = await sb.hostExec(h, 'ip -4 route show dev eth0');
  t.regex(route.stdout, /quickack 1/);
  const kex = await sb.hostExec(h, '/usr/sbin/sshd -T | grep -i ^kexalgorithms');
  t.notRegex(kex.stdout, /sntrup/);

  const sftp = await run('bash', [
    '-c',
    `printf 'put /etc/hostname /tmp/sftp-probe\\nls /tmp/sftp-probe\\n' | sftp -b - -F /dev/null -i "$1" -o UserKnownHostsFile="$2" -o StrictHostKeyChecking=yes -o BatchMode=yes root@"$3"`,
    '_', sb.keyFile, sb.knownHosts, h.ip,
  ]);
  t.is(sftp.code, 0, sftp.stderr);
  const probe = await sb.hostExec(h, 'cat /tmp/sftp-probe');
  t.is(probe.stdout, readFileSync('/etc/hostname', 'utf8'));
});

test('etcd through any host: all 3 members healthy and started', async (t) => {
  const sb = plain();
  for (const h of sb.hosts) {
    const health = await openssh(sb, h.ip, 'root', 'etcdctl endpoint health --cluster');
    t.is(health.code, 0, health.stderr);
    t.is(healthyCount(health.stdout + health.stderr), 3, health.stdout + health.stderr);

    const members = await openssh(sb, h.ip, 'root', 'etcdctl member list');
    t.is(members.code, 0, members.stderr);
    const rows = members.stdout.trim().split('\n').map((l) => l.split(', '));
    t.is(rows.length, 3);
    for (const other of sb.hosts) {
      const row = rows.find((r) => r[2] === other.etcd!.name);
      t.truthy(row, `member ${other.etcd!.name} in ${members.stdout}`);
      t.is(row![1], 'started');
      t.is(row![3], other.etcd!.peerUrl);
      t.is(row![4], other.etcd!.clientUrl);
    }
  }
});

test('the etcd members form one cluster: a write on one host is read on another', async (t) => {
  const sb = plain();
  const value = randomBytes(8).toString('hex');
  const put = await sb.etcdctl('node1', ['put', '/sandbox-test/replicated', value]);
  t.is(put.code, 0, put.stderr);
  const get = await sb.etcdctl('node3', ['get', '/sandbox-test/replicated', '--print-value-only']);
  t.is(get.code, 0, get.stderr);
  t.is(get.stdout.trim(), value);
});

test('hosts are isolated: files, processes and data directories are their own', async (t) => {
  const sb = plain();
  const [a, b] = sb.hosts;
  const file = `/var/lib/etcd/isolation-${randomBytes(6).toString('hex')}`;
  const write = await openssh(sb, a!.ip, 'root', `echo from-a > ${file} && ls /var/lib/etcd`);
  t.is(write.code, 0, write.stderr);
  t.true(write.stdout.includes('default'), 'the data dir lives in the same mount as the probe file');
  t.is((await sb.hostExec(a!, `cat ${file}`)).stdout, 'from-a\n');

  const onB = await openssh(sb, b!.ip, 'root', `test -e ${file}`);
  t.is(onB.code, 1, 'file written on one host must not exist on another');
  t.false(existsSync(file), 'file written on a host must not exist on the controller');

  // The controller's own home (with its shell start-up files) stays hidden.
  const home = await openssh(sb, b!.ip, 'root', 'ls -A ~ | grep -v ^probe- | sort | tr "\\n" " "');
  t.is(home.stdout.trim(), '.bashrc .profile .ssh');

  // /var/lib (an overlay of the machine's) and /usr/local/bin too: a restore into
  // /var/lib/etcd-restored must stay on its own host.
  for (const dir of ['/tmp', '/root', '/etc/etcd', '/run', '/var/lib', '/usr/local/bin']) {
    const probe = `${dir}/probe-${randomBytes(4).toString('hex')}`;
    await sb.hostExec(a!, `touch ${probe}`);
    t.is((await sb.hostExec(b!, `test -e ${probe}`, { allowFail: true })).code, 1, `${dir} is private`);
    t.false(existsSync(probe), `${dir} is private from the controller`);
  }
  // The machine's /var/lib still shows through (dpkg's database, for instance).
  t.is((await sb.hostExec(a!, 'test -d /var/lib/dpkg/info', { allowFail: true })).code, 0);

  // Each host sees exactly one etcd: its own, with its own data dir.
  for (const h of sb.hosts) {
    const ps = await sb.hostExec(h, 'pgrep -x etcd | wc -l; grep ^ETCD_NAME= /etc/etcd/etcd.conf');
    t.deepEqual(ps.stdout.trim().split('\n'), ['1', `ETCD_NAME=${h.etcd!.name}`]);
  }
});

test.serial('systemctl stop, start, restart, is-active and daemon-reload of etcd work over ssh', async (t) => {
  const sb = plain();
  const h = sb.host('node2');
  const other = sb.host('node1');

  const stop = await openssh(sb, h.ip, 'root', 'systemctl stop etcd');
  t.is(stop.code, 0, stop.stderr);
  const inactive = await openssh(sb, h.ip, 'root', 'systemctl is-active etcd');
  t.is(inactive.stdout.trim(), 'inactive');
  t.not(inactive.code, 0);
  t.is((await sb.hostExec(h, 'pgrep -x etcd', { allowFail: true })).code, 1, 'etcd process is gone');
  const degraded = await openssh(sb, other.ip, 'root', 'etcdctl --dial-timeout=1s --command-timeout=2s endpoint health --cluster');
  t.not(degraded.code, 0, 'health --cluster notices the stopped member');
  t.is(healthyCount(degraded.stdout + degraded.stderr), 2);

  // Must return: a daemon keeping the ssh channel open would hang until the
  // 60 s kill. Under 1 s on an idle machine.
  const start = await openssh(sb, h.ip, 'root', 'systemctl start etcd');
  t.is(start.code, 0, start.stderr);
  t.true(start.ms < 15_000, `systemctl start took ${start.ms} ms`);
  // Still running after that ssh session ended.
  const active = await openssh(sb, h.ip, 'root', 'systemctl is-active etcd && pgrep -x etcd >/dev/null');
  t.is(active.stdout.trim(), 'active');
  t.is(active.code, 0);
  await eventually('the restarted member to rejoin', async () => {
    const r = await openssh(sb, other.ip, 'root', 'etcdctl endpoint health --cluster');
    return r.code === 0 && healthyCount(r.stdout + r.stderr) === 3;
  });

  const reload = await openssh(sb, h.ip, 'root', "sed -i 's/^LimitNOFILE=.*/LimitNOFILE=65000/' /etc/systemd/system/etcd.service && systemctl daemon-reload");
  t.is(reload.code, 0, reload.stderr);
  t.is(reload.stderr, '', 'daemon-reload is quiet');
  const pidBefore = (await sb.hostExec(h, 'pgrep -x etcd')).stdout.trim();
  const restart = await openssh(sb, h.ip, 'root', 'systemctl restart etcd && systemctl is-active etcd');
  t.is(restart.code, 0, restart.stderr);
  t.true(restart.ms < 20_000, `systemctl restart took ${restart.ms} ms`);
  const pidAfter = (await sb.hostExec(h, 'pgrep -x etcd')).stdout.trim();
  t.not(pidAfter, pidBefore, 'restart replaced the process');
  await eventually('the member to be healthy after restart', async () => {
    const r = await sb.etcdctl(other, ['endpoint', 'health', '--cluster']);
    return r.code === 0 && healthyCount(r.stdout + r.stderr) === 3;
  });
  const log = await sb.hostExec(h, 'test -s /var/log/journal/etcd.service.log && grep -c "published local member to cluster" /var/log/journal/etcd.service.log', { allowFail: true });
  t.true(Number(log.stdout.trim()) >= 3, `etcd logs every start to /var/log/journal/etcd.service.log (${log.stdout.trim()})`);
});

test('the data dir can be moved aside within its file system, as a restore does', async (t) => {
  const sb = plain();
  const r = await sb.hostExec('node3', [
    'set -e',
    'mkdir -p /var/lib/etcd/scratch && echo x > /var/lib/etcd/scratch/f',
    'mv /var/lib/etcd/scratch /var/lib/etcd/scratch.pre-restore-1',
    'test "$(stat -c %d /var/lib/etcd)" = "$(stat -c %d /var/lib/etcd/scratch.pre-restore-1)"',
    'rm -rf /var/lib/etcd/scratch.pre-restore-1',
  ].join('\n'));
  t.is(r.code, 0, r.stderr);
});

test('cluster.json and both inventories describe the same hosts', async (t) => {
  const sb = plain();
  const yaml = parseYaml(readFileSync(sb.inventoryYaml, 'utf8')) as {
    all: { vars: Record<string, string>; children: Record<string, { hosts: Record<string, Record<string, string>> }> };
  };
  const vars = yaml.all.vars;
  t.is(vars.ansible_user, 'root');
  t.is(vars.ansible_ssh_private_key_file, sb.keyFile);
  t.is(vars.runbook_known_hosts, sb.knownHosts);
  t.is(vars.runbook_sudo_user, sb.sudoUser);
  t.is(vars.etcd_data_dir, '/var/lib/etcd/default');
  t.is(vars.etcd_service, 'etcd');
  t.is(vars.etcd_config_file, '/etc/etcd/etcd.conf');
  t.is(vars.etcd_config_style, 'env');
  t.false('etcd_cacert' in vars, 'no TLS variables without --tls');
  const group = yaml.all.children.etcd!.hosts;
  t.deepEqual(Object.keys(group), sb.hosts.map((h) => h.inventoryName));
  for (const h of sb.hosts) {
    t.deepEqual(group[h.inventoryName], {
      ansible_host: h.ip,
      etcd_name: h.etcd!.name,
      etcd_peer_url: h.etcd!.peerUrl,
      etcd_client_url: h.etcd!.clientUrl,
    });
    const conf = (await sb.hostExec(h, 'cat /etc/etcd/etcd.conf')).stdout;
    t.regex(conf, new RegExp(`^ETCD_ADVERTISE_CLIENT_URLS=${h.etcd!.clientUrl}$`, 'm'));
    t.regex(conf, /^ETCD_DATA_DIR=\/var\/lib\/etcd\/default$/m);
  }

  // Ansible reads both files to the same host variables.
  const which = spawnSync('bash', ['-c', 'command -v ansible-inventory && command -v ansible']);
  if (which.status !== 0) {
    if (process.env.CI) t.fail('ansible missing in CI (install ansible-core)');
    else t.log('ansible not installed; inventories not checked with Ansible');
    return;
  }
  const [fromYaml, fromIni] = await Promise.all(
    [sb.inventoryYaml, sb.inventoryIni].map(async (inv) => {
      const r = await run('ansible-inventory', ['-i', inv, '--list'], 120_000);
      t.is(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { _meta: { hostvars: Record<string, unknown> }; etcd: { hosts: string[] } };
    }),
  );
  t.deepEqual(fromIni!._meta.hostvars, fromYaml!._meta.hostvars);
  t.deepEqual(fromIni!.etcd.hosts, fromYaml!.etcd.hosts);

  // Plain Ansible logs in with the inventory alone, as root and as the sudo user.
  const ping = await run('ansible', ['-i', sb.inventoryIni, 'all', '-m', 'ping', '-o'], 120_000);
  t.is(ping.code, 0, ping.stdout + ping.stderr);
  t.is(ping.stdout.split('\n').filter((l) => / \| SUCCESS => /.test(l)).length, 3, ping.stdout);
  const become = await run('ansible', ['-i', sb.inventoryYaml, 'etcd', '-u', sb.sudoUser, '--become', '-m', 'command', '-a', 'id -u', '-o'], 120_000);
  t.is(become.code, 0, become.stdout + become.stderr);
  t.is(become.stdout.split('\n').filter((l) => /\(stdout\) 0$/.test(l)).length, 3, become.stdout);
});

test.serial('TLS cluster: healthy with the client certificate, refused without it', async (t) => {
  const sb = secure();
  t.true(sb.tls);
  const inv = parseYaml(readFileSync(sb.inventoryYaml, 'utf8')) as { all: { vars: Record<string, string> } };
  const v = inv.all.vars;
  t.deepEqual([v.etcd_cacert, v.etcd_cert, v.etcd_key], ['/etc/etcd/pki/ca.crt', '/etc/etcd/pki/client.crt', '/etc/etcd/pki/client.key']);
  const tlsFlags = `--cacert=${v.etcd_cacert} --cert=${v.etcd_cert} --key=${v.etcd_key}`;
  for (const h of sb.hosts) {
    t.true(h.etcd!.clientUrl.startsWith('https://'));
    const health = await openssh(sb, h.ip, 'root', `etcdctl --endpoints=${h.etcd!.clientUrl} ${tlsFlags} endpoint health --cluster`);
    t.is(health.code, 0, health.stderr);
    t.is(healthyCount(health.stdout + health.stderr), 3);
    const members = await openssh(sb, h.ip, 'root', `etcdctl --endpoints=https://127.0.0.1:2379 ${tlsFlags} member list`);
    t.is(members.code, 0, members.stderr);
    t.is(members.stdout.trim().split('\n').filter((l) => l.includes(', started, ') && l.includes('https://')).length, 3);
  }

  const h = sb.hosts[0]!;
  const noCert = await openssh(sb, h.ip, 'root', `etcdctl --endpoints=${h.etcd!.clientUrl} --cacert=${v.etcd_cacert} --dial-timeout=2s --command-timeout=3s endpoint health`);
  t.not(noCert.code, 0, 'a client without a certificate is refused');
  const plainHttp = await openssh(sb, h.ip, 'root', `etcdctl --endpoints=${h.etcd!.clientUrl.replace('https:', 'http:')} --dial-timeout=2s --command-timeout=3s endpoint health`);
  t.not(plainHttp.code, 0, 'plain http is refused');

  // The controller-side copies are valid too.
  const fromController = await run('etcdctl', [
    `--endpoints=${sb.endpoints.join(',')}`,
    `--cacert=${sb.tlsFiles!.ca}`, `--cert=${sb.tlsFiles!.cert}`, `--key=${sb.tlsFiles!.key}`,
    'endpoint', 'health',
  ]);
  t.is(fromController.code, 0, fromController.stderr);
  t.is(healthyCount(fromController.stdout + fromController.stderr), 3);

  // Server certificates name the host IP, 127.0.0.1 and localhost.
  const sans = await sb.hostExec(h, 'openssl x509 -in /etc/etcd/pki/server.crt -noout -ext subjectAltName');
  for (const want of [`IP Address:${h.ip}`, 'IP Address:127.0.0.1', 'DNS:localhost']) t.true(sans.stdout.includes(want), sans.stdout);
});

test.serial('--quota lets a test provoke NOSPACE', async (t) => {
  const sb = secure();
  const conf = await sb.hostExec('node1', 'grep ^ETCD_QUOTA_BACKEND_BYTES= /etc/etcd/etcd.conf');
  t.is(conf.stdout.trim(), `ETCD_QUOTA_BACKEND_BYTES=${1024 * 1024}`);
  const fill = await sb.hostExec('node1', [
    'head -c 100000 /dev/zero | tr "\\0" x > /tmp/value',
    'for i in $(seq 1 40); do',
    '  etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/client.crt --key=/etc/etcd/pki/client.key put fill-$i < /tmp/value > /dev/null 2> /tmp/err || { cat /tmp/err; exit 0; }',
    'done',
    'echo never-full',
  ].join('\n'));
  t.regex(fill.stdout, /database space exceeded/);
  const alarms = await sb.etcdctl('node2', ['alarm', 'list']);
  t.regex(alarms.stdout, /alarm:NOSPACE/);
});

test('up refuses bad options and an already running name, with a clear message', async (t) => {
  const bad = await run('bash', [upScript, '--hosts', 'many']);
  t.not(bad.code, 0);
  t.regex(bad.stderr, /--hosts must be a number/);
  const unknown = await run('bash', [upScript, '--frobnicate']);
  t.not(unknown.code, 0);
  t.regex(unknown.stderr, /unknown option '--frobnicate'/);
  const again = await run('bash', [upScript, '--name', plain().name]);
  t.not(again.code, 0);
  t.regex(again.stderr, /already up/);
  // The refused second up left the running cluster alone.
  const health = await plain().etcdctl('node1', ['endpoint', 'health']);
  t.is(health.code, 0, health.stderr);
});

test('--ssh-only hosts, and down leaves no namespace, link, process or state behind', async (t) => {
  const name = 'e2e-sandbox-down';
  const sb = await startSandbox({ name, sshOnly: true, hosts: 4 });
  let downDone = false;
  t.teardown(async () => {
    if (!downDone) await sb.down();
  });
  t.is(sb.hosts.length, 4);
  t.deepEqual(sb.endpoints, []);
  const inv = parseYaml(readFileSync(sb.inventoryYaml, 'utf8')) as { all: { children: Record<string, { hosts: Record<string, unknown> }> } };
  t.deepEqual(Object.keys(inv.all.children), ['nodes']);
  const last = sb.hosts[3]!;
  const who = await openssh(sb, last.ip, 'root', 'hostname; test -e /etc/etcd/etcd.conf || echo no-etcd');
  t.is(who.stdout, `${last.inventoryName}\nno-etcd\n`);

  const pids: number[] = [];
  for (const h of sb.hosts) {
    const r = await run('ip', ['netns', 'pids', h.netns]);
    pids.push(...r.stdout.trim().split('\n').filter(Boolean).map(Number));
  }
  t.true(pids.length >= 8, `init + sshd per host, got ${pids.join(' ')}`);
  const bridge = sb.cluster.bridge;

  await sb.down();
  downDone = true;

  const netns = await run('ip', ['netns', 'list']);
  for (const h of sb.hosts) t.false(netns.stdout.includes(h.netns), `${h.netns} removed`);
  const links = await run('ip', ['-o', 'link', 'show']);
  t.false(links.stdout.includes(bridge), 'bridge and veths removed');
  const ps = await run('ps', ['-e', '-o', 'pid=']);
  const alive = new Set(ps.stdout.split('\n').map((s) => Number(s.trim())));
  t.deepEqual(pids.filter((p) => alive.has(p)), [], 'no process of the cluster survives');
  t.false(existsSync(sb.dir), 'state dir removed');

  // Idempotent: nothing left to remove is still a success.
  const again = await run('bash', [fileURLToPath(new URL('../cluster/down.sh', import.meta.url)), '--name', name]);
  t.is(again.code, 0, again.stderr);
});
