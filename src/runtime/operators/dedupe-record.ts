import { OperatorFunction } from 'rxjs';
import { DedupeNode } from '../../dsl/nodes';
import { Envelope } from '../envelope';
import { TaskContext } from '../task-context';
import { callUser, onRecords } from './on-records';

// Two indexes in one store: by id (is it a duplicate?) and by first-seen time then id (what has expired?).
// Timestamps are 8-byte big-endian so byte order is time order and expiry is one range scan.
const ID = Buffer.from('i\u0000', 'latin1');
const TIME = Buffer.from('t\u0000', 'latin1');

const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(n))));
  return b;
};
const idKey = (id: string) => Buffer.concat([ID, Buffer.from(id, 'utf8')]);
const timeKey = (ts: number, id: string) => Buffer.concat([TIME, u64(ts), Buffer.from(id, 'utf8')]);

/**
 * Passes the first record of each id and drops repeats seen within `retention` of stream time. Ids older than the
 * retention are deleted (tombstoned in the changelog), so the store holds only a retention's worth of ids.
 */
export function dedupeRecord(node: DedupeNode, ctx: TaskContext): OperatorFunction<Envelope, Envelope> {
  const store = ctx.store(node.name);
  const purgeEvery = Math.max(1, Math.min(node.retentionMs / 10, 60_000));
  let lastPurge = -Infinity;

  async function purgeExpired(): Promise<void> {
    const horizon = ctx.streamTime - node.retentionMs;
    if (horizon < 0) return;
    const expired = await store.range({ gte: TIME, lt: Buffer.concat([TIME, u64(horizon + 1)]) });
    for (const e of expired) {
      const id = e.key.subarray(TIME.length + 8).toString('utf8');
      store.delete(e.key);
      store.delete(idKey(id));
    }
  }

  return onRecords(node.name, async (record) => {
    if (ctx.streamTime - lastPurge >= purgeEvery) {
      lastPurge = ctx.streamTime;
      await purgeExpired();
    }
    const id = callUser(node.name, record, () => node.id(record));
    const seen = await store.get(idKey(id));
    if (seen !== undefined) {
      const firstSeen = Number(seen.readBigUInt64BE());
      if (ctx.streamTime - firstSeen < node.retentionMs) return [];
      store.delete(timeKey(firstSeen, id));
    }
    store.put(idKey(id), u64(record.timestamp));
    store.put(timeKey(record.timestamp, id), Buffer.alloc(0));
    return [{ kind: 'record', record }];
  });
}
