/**
 * Typed handles on the parts of Nunjucks that are not in its public typings: the parser, the
 * node classes and the compiler. runbook compiles templates itself (see strict-compiler.ts) so
 * that an undefined name is an error at the place it is used, as in Jinja's StrictUndefined.
 */
import nunjucks from 'nunjucks';

/** A parsed template node; `typename` names its class (`Symbol`, `LookupVal`, `Filter`, ...). */
export interface NjNode {
  typename: string;
  lineno: number; // 0-based
  colno: number; // 0-based
  fields: string[];
  value?: unknown;
  children?: NjNode[];
  [field: string]: unknown;
}

export type NjNodeClass = new (lineno: number, colno: number, ...rest: unknown[]) => NjNode;

export interface NjFrame {
  lookup(name: string): unknown;
  set(name: string, value: unknown, resolveUp?: boolean): void;
  push(isolateWrites?: boolean): NjFrame;
  topLevel: boolean;
}

interface NjInternals {
  Environment: typeof nunjucks.Environment;
  parser: { parse(src: string, extensions: unknown[], opts: object): NjNode };
  nodes: Record<string, NjNodeClass & { extend(name: string, props?: object): NjNodeClass }>;
  compiler: { Compiler: new (name: string, throwOnUndefined: boolean) => unknown };
  runtime: { Frame: new () => NjFrame; SafeString: new (value: string) => object; [name: string]: unknown };
  lib: { TemplateError: new (message: string, lineno?: number, colno?: number) => Error };
}

export const nj = nunjucks as unknown as NjInternals;

/** Parse with the whitespace rules the environment renders with (Jinja's trim_blocks, as Ansible sets it). */
export function parseTemplate(src: string): NjNode {
  return nj.parser.parse(src, [], { trimBlocks: true, lstripBlocks: false });
}

/** Children of a node in source order, whatever its kind. */
export function childNodes(node: NjNode): NjNode[] {
  const out: NjNode[] = [];
  for (const field of node.fields ?? []) {
    const v = node[field];
    if (Array.isArray(v)) out.push(...(v.filter(isNode) as NjNode[]));
    else if (isNode(v)) out.push(v);
  }
  return out;
}

export function isNode(v: unknown): v is NjNode {
  return typeof v === 'object' && v !== null && typeof (v as NjNode).typename === 'string';
}
