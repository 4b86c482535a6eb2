/**
 * Every module a playbook may name: the generic ones the registry holds and the etcd set,
 * which registers itself. Validation and the JSON Schema must know the same modules the
 * engine runs.
 */
import { etcdModules } from '../etcd/modules.js';
import { registerModules } from '../modules/registry.js';

export function registerAllModules(): void {
  registerModules(etcdModules);
}
