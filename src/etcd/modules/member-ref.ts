import { z } from 'zod';

/** name, id or peer URL of a member; exactly one */
export const memberRefFields = {
  name: z.string().min(1).optional().describe('member name (as in etcd_members)'),
  id: z.string().min(1).optional().describe('member id in hex, as etcdctl prints it'),
  peer_url: z.string().min(1).optional().describe("one of the member's peer URLs (names are empty until a member first starts)"),
};

export function exactlyOneRef(a: { name?: string; id?: string; peer_url?: string }): boolean {
  return [a.name, a.id, a.peer_url].filter((v) => v !== undefined).length === 1;
}

export const exactlyOneRefMessage = 'give exactly one of name, id, peer_url';
