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

/** Ids deleted by one purge run: each costs two tombstones in the batch's transaction, which must stay small. */
const PURGE_LIMIT = 1000;
/** While a purge backlog remains, each record also purges this many (twice the rate ids arrive). */
const PURGE_PER_RECORD = 2;

/**
 * Passes the first record of each id and drops repeats seen within `retention` of stream time. An id is remembered
 * from the stream time at which the task saw it (not the producer's timestamp, which may lie in the past). Ids older
 * than the retention are deleted (tombstoned in the changelog) a bounded number at a time, so the store holds about
 * a retention's worth of ids and no transaction grows without bound.
 */
export function dedupeRecord(node: DedupeNode, ctx: TaskContext): OperatorFunction<Envelope, Envelope> {
  const store = ctx.store(node.name);
  const purgeEvery = Math.max(1, Math.min(node.retentionMs / 10, 60_000));
  let lastPurge = -Infinity;
  let backlog = false;

  /** Deletes up to `limit` expired ids; says whether more remain. */
  async function purgeExpired(limit: number): Promise<boolean> {
    const horizon = ctx.streamTime - node.retentionMs;
    if (horizon < 0) return false;
    const expired = await store.range({ gte: TIME, lt: Buffer.concat([TIME, u64(horizon + 1)]), limit: limit + 1 });
    for (const e of expired.slice(0, limit)) {
      const id = e.key.subarray(TIME.length + 8).toString('utf8');
      store.delete(e.key);
      store.delete(idKey(id));
    }
    return expired.length > limit;
  }

  return onRecords(node.name, async (record) => {
    if (ctx.streamTime - lastPurge >= purgeEvery) {
      lastPurge = ctx.streamTime;
      backlog = await purgeExpired(PURGE_LIMIT);
    } else if (backlog) {
      backlog = await purgeExpired(PURGE_PER_RECORD);
    }
    const id = callUser(node.name, record, () => node.id(record));
    const seen = await store.get(idKey(id));
    if (seen !== undefined) {
      const firstSeen = Number(seen.readBigUInt64BE());
      if (ctx.streamTime - firstSeen < node.retentionMs) return [];
      store.delete(timeKey(firstSeen, id));
    }
    store.put(idKey(id), u64(ctx.streamTime));
    store.put(timeKey(ctx.streamTime, id), Buffer.alloc(0));
    return [{ kind: 'record', record }];
  });
}
