/**
 * The forms under which an undefined name is not an error, as in Ansible: the subject of
 * `is defined` / `is undefined`, and the first argument of `default` (`d`). The compiler makes
 * lookups lenient there; `validate` does not report names used only there.
 */
export const GUARD_FILTERS: ReadonlySet<string> = new Set(['default', 'd', 'ansible.builtin.default', 'ansible.builtin.d']);
export const GUARD_TESTS: ReadonlySet<string> = new Set(['defined', 'undefined']);
