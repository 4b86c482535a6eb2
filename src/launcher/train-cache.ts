/**
 * Build step, run by prepare-cache.ts in a child process: compile the build without a cache,
 * run one small `apply` of it over SSH to a loopback server (train-ssh-server.ts) from a
 * temporary folder, and at exit write the code cache, which then holds every function that
 * run compiled.
 *
 *   node dist/launcher/train-cache.js dist/runbook.cjs OUT.v8cache
 *
 * Why a run and not every function: a cache of every function of the 4 MB build took V8
 * about 20 ms to load on every start; one of what an apply compiles is less than half the
 * size and loads in about 13 ms. What a run needs beyond it (another command, another
 * module) is compiled when first called, as it would be without a cache. The server listens on 127.0.0.1 only and lets in one key generated for
 * the run; the commands are `true` and `echo`; the run records, locks, key and known_hosts
 * stay in the temporary folder, which is removed at exit.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { compileBuild, runBuild } from './compile-cache.js';
import { startTrainingServer } from './train-ssh-server.js';

// the shape of a real runbook: preflight, vars and filters, register/when/loop, set_fact,
// assert, command and shell with quoting, on three hosts in parallel
const PLAYBOOK = `- name: train the code cache
  hosts: all
  vars:
    greeting: hello
    members: [one, two, three]
  preflight:
    - name: true is there
      command: /bin/true
  tasks:
    - name: a command
      command: /bin/true
      register: first
    - name: a shell line with a quoted value
      shell: echo {{ greeting | upper | quote }} {{ members | join(',') }}
      register: said
    - name: a fact from a result
      set_fact:
        said_words: "{{ said.stdout.split() | length }}"
    - name: an assertion
      assert:
        that:
          - first.rc == 0
          - said_words | int == 2
    - name: a loop
      command: /bin/echo {{ item }}
      loop: "{{ members }}"
      when: item != 'two'
    - name: a message
      debug:
        msg: "{{ inventory_hostname }} said {{ said.stdout }}"
`;

function inventory(port: number, user: string, keyFile: string): string {
  const hosts = ['train1', 'train2', 'train3'].map((h) => `    ${h}: {}\n`).join('');
  const vars = { ansible_host: '127.0.0.1', ansible_port: port, ansible_user: user, ansible_ssh_private_key_file: keyFile };
  return `all:\n  vars: ${JSON.stringify(vars)}\n  hosts:\n${hosts}`;
}

const [buildArg, outArg] = process.argv.slice(2);
if (!buildArg || !outArg) {
  console.error('usage: train-cache.js BUILD OUT');
  process.exit(2);
}
const build = resolve(buildArg);
const out = resolve(outArg);
const dir = mkdtempSync(join(tmpdir(), 'runbook-train-'));
const server = await startTrainingServer();
writeFileSync(join(dir, 'id_ed25519'), server.clientKey, { mode: 0o600 });
writeFileSync(join(dir, 'known_hosts'), `${server.knownHostsLine}\n`);
// the build user's ~/.ssh/config (a ProxyJump for every host, say) must not take part
writeFileSync(join(dir, 'ssh_config'), '');
writeFileSync(join(dir, 'train.yaml'), PLAYBOOK);
writeFileSync(join(dir, 'inventory.yaml'), inventory(server.port, userInfo().username, join(dir, 'id_ed25519')));
process.chdir(dir);
process.argv = [process.argv[0]!, build, 'apply', 'train.yaml', '-i', 'inventory.yaml', '--known-hosts', 'known_hosts', '--ssh-config', 'ssh_config', '--yes', '-o', 'plain', '--runs-dir', 'runs', '--locks-dir', 'locks'];

const script = compileBuild(build, readFileSync(build, 'utf8'));
process.once('exit', (code) => {
  rmSync(dir, { recursive: true, force: true });
  // a failed run would train the error path: better no cache than that one
  if (code === 0) writeFileSync(out, script.createCachedData());
});
runBuild(script, build);
