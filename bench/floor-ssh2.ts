/**
 * The floor for per-task overhead: the least work any engine can do to run N commands on every
 * host over SSH. Plain ssh2, one TCP socket per host opened here with setNoDelay (as runbook
 * does), host key checked against the sandbox's known_hosts, key auth, then the N commands one
 * after the other on each host (each a fresh exec channel, exit status checked), hosts in
 * parallel, then close. No inventory, no templating, no events.
 *
 *   node bench/.out/floor-ssh2.mjs --cluster test/cluster/.state/bench3/cluster.json --commands 20
 *   -> {"wallMs": ..., "connectMs": ..., "commandsMs": ..., "hosts": 3, "commands": 20}
 *   node bench/.out/floor-ssh2.mjs --cluster ... --hosts 1 --stream-mb 256    (transfer floor)
 *
 * The bench runs it both as a whole process (compiled to plain JS first, so no TypeScript compile
 * is counted) and in-process (runFloor below), which leaves out Node's start-up and imports.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import ssh2 from 'ssh2';

const { Client } = ssh2;

export interface FloorHost {
  name: string;
  address: string;
  port?: number;
  user: string;
}

export interface FloorOptions {
  hosts: FloorHost[];
  keyFile: string;
  knownHosts: string;
  commands: number;
  command?: string;
  /**
   * Run command i on every host and wait for all before command i+1, as an Ansible-style engine
   * does (the "linear" strategy): a floor for task-by-task execution. Off: each host runs its
   * commands back to back, the true floor.
   */
  barrier?: boolean;
}

export interface FloorResult {
  wallMs: number;
  /** until the last host was authenticated */
  connectMs: number;
  /** from the last host connected to the last command done */
  commandsMs: number;
  hosts: number;
  commands: number;
  cipher?: string;
}

/** host key blob (base64) by address, from an OpenSSH known_hosts file without hashed names */
export function readKnownHosts(file: string): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [names, , blob] = line.trim().split(/\s+/);
    if (!names || !blob || names.startsWith('#')) continue;
    for (const n of names.split(',')) {
      const set = keys.get(n) ?? new Set<string>();
      set.add(blob);
      keys.set(n, set);
    }
  }
  return keys;
}

function openSocket(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: address, port });
    sock.setNoDelay(true);
    sock.once('connect', () => resolve(sock));
    sock.once('error', reject);
  });
}

type Conn = InstanceType<typeof Client>;

async function connectHost(h: FloorHost, privateKey: Buffer, known: Map<string, Set<string>>): Promise<{ client: Conn; cipher?: string }> {
  const sock = await openSocket(h.address, h.port ?? 22);
  const client = new Client();
  let cipher: string | undefined;
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.on('handshake', (n: { cs: { cipher: string } }) => {
      cipher = n.cs.cipher;
    });
    client.connect({
      sock,
      username: h.user,
      privateKey,
      hostVerifier: (key: Buffer) => known.get(h.address)?.has(key.toString('base64')) === true,
      readyTimeout: 30_000,
    });
  });
  return { client, ...(cipher ? { cipher } : {}) };
}

function exec(client: Conn, command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, ch) => {
      if (err) return reject(err);
      let code = -1;
      ch.on('exit', (c: number | null) => {
        code = c ?? -1;
      });
      ch.on('data', () => {});
      ch.stderr.on('data', () => {});
      ch.once('close', () => resolve(code));
    });
  });
}

function close(client: Conn): Promise<void> {
  return new Promise((resolve) => {
    client.once('close', () => resolve());
    client.end();
  });
}

export async function runFloor(o: FloorOptions): Promise<FloorResult> {
  const started = performance.now();
  const privateKey = readFileSync(o.keyFile);
  const known = readKnownHosts(o.knownHosts);
  const command = o.command ?? '/bin/true';
  let lastConnected = 0;
  let cipher: string | undefined;
  const check = (h: FloorHost, code: number): void => {
    if (code !== 0) throw new Error(`${h.name}: ${command} exited ${code}`);
  };
  if (o.barrier) {
    const conns = await Promise.all(o.hosts.map((h) => connectHost(h, privateKey, known)));
    cipher = conns[0]?.cipher;
    lastConnected = performance.now();
    for (let i = 0; i < o.commands; i++) {
      await Promise.all(conns.map(async (c, j) => check(o.hosts[j]!, await exec(c.client, command))));
    }
    await Promise.all(conns.map((c) => close(c.client)));
  } else {
    await Promise.all(
      o.hosts.map(async (h) => {
        const c = await connectHost(h, privateKey, known);
        cipher ??= c.cipher;
        lastConnected = Math.max(lastConnected, performance.now());
        for (let i = 0; i < o.commands; i++) check(h, await exec(c.client, command));
        await close(c.client);
      }),
    );
  }
  const ended = performance.now();
  const r: FloorResult = {
    wallMs: ended - started,
    connectMs: lastConnected - started,
    commandsMs: ended - lastConnected,
    hosts: o.hosts.length,
    commands: o.commands,
  };
  if (cipher) r.cipher = cipher;
  return r;
}

export interface StreamResult {
  bytes: number;
  /** from the first byte written to the remote command's exit */
  ms: number;
  mbPerS: number;
  connectMs: number;
  cipher?: string;
}

/**
 * The transfer floor: one exec channel per host running `cat > DEST`, fed `mb` MiB from memory
 * (no disk read, no hashing), all hosts at once. What ssh2 itself can push.
 */
export async function streamFloor(o: Omit<FloorOptions, 'commands'>, mb: number, dest: string): Promise<StreamResult> {
  const privateKey = readFileSync(o.keyFile);
  const known = readKnownHosts(o.knownHosts);
  const t0 = performance.now();
  const conns = await Promise.all(o.hosts.map((h) => connectHost(h, privateKey, known)));
  const connectMs = performance.now() - t0;
  const chunk = Buffer.alloc(1024 * 1024, 0x5a);
  const started = performance.now();
  await Promise.all(
    conns.map(
      (c, j) =>
        new Promise<void>((resolve, reject) => {
          c.client.exec(`cat > '${dest}'`, (err, ch) => {
            if (err) return reject(err);
            let code = -1;
            ch.on('exit', (x: number | null) => {
              code = x ?? -1;
            });
            ch.on('data', () => {});
            ch.stderr.on('data', () => {});
            ch.once('close', () => (code === 0 ? resolve() : reject(new Error(`${o.hosts[j]!.name}: cat exited ${code}`))));
            let sent = 0;
            const pump = (): void => {
              while (sent < mb) {
                sent++;
                if (!ch.write(chunk)) {
                  ch.once('drain', pump);
                  return;
                }
              }
              ch.end();
            };
            pump();
          });
        }),
    ),
  );
  const ms = performance.now() - started;
  await Promise.all(conns.map((c) => close(c.client)));
  const bytes = mb * chunk.length;
  const r: StreamResult = { bytes, ms, mbPerS: bytes / 1e6 / (ms / 1000), connectMs };
  if (conns[0]?.cipher) r.cipher = conns[0].cipher;
  return r;
}

/** The hosts of a sandbox's cluster.json */
export function floorOptionsFromCluster(clusterJson: string, commands: number): FloorOptions {
  const c = JSON.parse(readFileSync(clusterJson, 'utf8')) as {
    user: string;
    keyFile: string;
    knownHosts: string;
    hosts: Array<{ inventoryName: string; ip: string }>;
  };
  return {
    hosts: c.hosts.map((h) => ({ name: h.inventoryName, address: h.ip, user: c.user })),
    keyFile: c.keyFile,
    knownHosts: c.knownHosts,
    commands,
  };
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const cluster = arg('--cluster');
  if (!cluster) {
    process.stderr.write('usage: floor-ssh2 --cluster CLUSTER_JSON [--hosts N] [--commands N] [--barrier] | [--stream-mb MB [--dest PATH]]\n');
    process.exit(2);
  }
  const opts = floorOptionsFromCluster(cluster, Number(arg('--commands') ?? 20));
  const limit = arg('--hosts');
  if (limit) opts.hosts = opts.hosts.slice(0, Number(limit));
  const streamMb = arg('--stream-mb');
  const r = streamMb
    ? await streamFloor(opts, Number(streamMb), arg('--dest') ?? '/dev/null')
    : await runFloor({ ...opts, barrier: argv.includes('--barrier') });
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

const self = process.argv[1] ?? '';
if (/floor-ssh2\.(ts|mjs|js)$/.test(self)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`floor-ssh2: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
