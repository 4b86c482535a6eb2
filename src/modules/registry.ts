import { etcdModules } from '../etcd/modules.js';
import { k8sModules } from '../k8s/modules.js';
import type { Module } from './types.js';
import { assert } from './assert.js';
import { backupPrune } from './backup-prune.js';
import { command } from './command.js';
import { copy } from './copy.js';
import { debug } from './debug.js';
import { distribute } from './distribute.js';
import { fetch } from './fetch.js';
import { file } from './file.js';
import { lineinfile } from './lineinfile.js';
import { pause } from './pause.js';
import { setFact } from './set-fact.js';
import { shell } from './shell.js';
import { staticPod } from './static-pod.js';
import { systemd } from './systemd.js';
import { template } from './template.js';
import { waitFor } from './wait-for.js';

/** Every module a playbook may name. One file per module; add new ones here. */
const generic: Module[] = [
  assert,
  backupPrune,
  command,
  copy,
  debug,
  distribute,
  fetch,
  file,
  lineinfile,
  pause,
  setFact,
  shell,
  staticPod,
  systemd,
  template,
  waitFor,
];

// the etcd set lives with the etcd client code it needs
const byName = new Map([...generic, ...etcdModules, ...k8sModules].map((m) => [m.name, m]));

export function getModule(name: string): Module | undefined {
  return byName.get(name);
}

export function moduleNames(): string[] {
  return [...byName.keys()].sort();
}

/** add modules at run time (tests, extensions); the shipped ones are all listed above */
export function registerModules(extra: Module[]): void {
  for (const m of extra) byName.set(m.name, m);
}
