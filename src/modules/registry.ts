import type { Module } from './types.js';
import { debug } from './debug.js';

/** Every module a playbook may name. One file per module; add new ones here. */
const modules: Module[] = [debug];

const byName = new Map(modules.map((m) => [m.name, m]));

export function getModule(name: string): Module | undefined {
  return byName.get(name);
}

export function moduleNames(): string[] {
  return [...byName.keys()].sort();
}

/** for other module sets (etcd) to add themselves without this file knowing them */
export function registerModules(extra: Module[]): void {
  for (const m of extra) byName.set(m.name, m);
}
