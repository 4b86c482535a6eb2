import { z } from 'zod';
import type { Module } from '../../modules/types.js';
import { callOptions, DEFAULT_CALL_TIMEOUT_MS } from '../client.js';
import { formatAlarm, listAlarms } from '../cluster-info.js';
import { timeoutMs } from '../context.js';
import { memberIdToDecimal } from '../member-id.js';
import { onThisMember, timeoutField } from './common.js';

const schema = z
  .object({
    action: z.enum(['list', 'disarm']).default('list').describe('list the alarms, or disarm every raised alarm'),
    timeout: timeoutField,
  })
  .strict();

export type EtcdAlarmArgs = z.infer<typeof schema>;

/**
 * `etcdctl alarm list` / `alarm disarm`. Disarm only after the cause is fixed (compact + defrag
 * for NOSPACE): etcd raises the alarm again otherwise.
 */
export const etcdAlarm: Module<EtcdAlarmArgs> = {
  name: 'etcd_alarm',
  summary: 'list the raised alarms (NOSPACE, CORRUPT) or disarm them',
  schema,
  readOnly: false,
  describe: (a) => `etcd alarm ${a.action ?? 'list'}`,
  factNames: () => ['etcd_alarms'],
  run: (ctx, args) =>
    onThisMember(ctx, async (conn) => {
      const a = schema.parse(args);
      const ms = timeoutMs(ctx, a.timeout, DEFAULT_CALL_TIMEOUT_MS);
      const alarms = await listAlarms(conn, ms);
      const listed = alarms.map(formatAlarm);
      if (a.action === 'list') {
        return {
          changed: false,
          msg: listed.length > 0 ? listed.join('\n') : 'no alarms',
          data: { alarms: listed },
          facts: { etcd_alarms: listed },
        };
      }
      if (alarms.length === 0) return { changed: false, msg: 'no alarms to disarm', data: { disarmed: [] }, facts: { etcd_alarms: [] } };
      if (ctx.check) return { changed: true, msg: `would disarm ${listed.join(', ')}`, data: { disarmed: listed } };
      for (const al of alarms) {
        await conn.client.maintenance.alarm(
          { action: 'Deactivate', memberID: memberIdToDecimal(al.memberId), alarm: al.type },
          callOptions(ms),
        );
      }
      const left = (await listAlarms(conn, ms)).map(formatAlarm);
      return {
        changed: true,
        failed: left.length > 0,
        msg: left.length > 0 ? `disarmed ${listed.join(', ')} but still raised: ${left.join(', ')}` : `disarmed ${listed.join(', ')}`,
        data: { disarmed: listed, alarms: left },
        facts: { etcd_alarms: left },
      };
    }),
};
