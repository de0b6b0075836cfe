import { DedupeNode } from '../../dsl/nodes';
import { StoreSpec } from '../../state/store-builder';
import { Envelope } from '../envelope';
import { TaskContext } from '../task-context';
import { BatchStep, recordsOf } from './batch-kit';
import { prefetchKeys } from './prefetch-keys';

/** Ids deleted by one purge on the purge interval: each costs a tombstone in the batch's transaction. */
const PURGE_LIMIT = 1000;
/** While a purge backlog remains, each batch also purges this many per record (twice the rate ids arrive). */
const PURGE_PER_RECORD = 2;
const EMPTY = Buffer.alloc(0);

/** The dedupe node's local time index: `<first-seen u64 BE><id>`, so expiry is one range scan from the start. */
export function dedupeTimeIndex(node: { name: string }): StoreSpec {
  return { name: `${node.name}#by-time`, indexOf: { store: node.name, keyOf: (id, firstSeen) => Buffer.concat([firstSeen, id]) }, cacheReads: false };
}

const u64 = (n: number) => {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(n))));
  return b;
};

/**
 * Passes the first record of each id and drops repeats seen within `retention` of stream time. An id is remembered
 * from the stream time at which the task saw it (not the producer's timestamp, which may lie in the past).
 *
 * State: the node's store maps id → first-seen time (8-byte big-endian) and is the only one logged; a local index
 * (`dedupeTimeIndex`) orders ids by first-seen time so expiry is a range scan. The index is rebuilt from the ids at
 * restore and may then hold stale entries, so a purge deletes an id only if its stored time is the index entry's.
 * Ids older than the retention are purged a bounded number at a time, so the store holds about a retention's worth
 * of ids and no transaction grows without bound.
 *
 * Per batch: one range scan when a purge is due, one multi-get for the batch's ids, then a synchronous pass.
 */
export function dedupeBatch(node: DedupeNode, ctx: TaskContext): BatchStep {
  const ids = ctx.store(node.name);
  const index = ctx.store(dedupeTimeIndex(node).name);
  const purgeEvery = Math.max(1, Math.min(node.retentionMs / 10, 60_000));
  let lastPurge = -Infinity;
  let backlog = false;

  /** Deletes up to `limit` ids first seen at or before `horizon`; says whether more remain. */
  async function purgeExpired(horizon: number, limit: number): Promise<boolean> {
    if (horizon < 0 || limit <= 0) return false;
    const expired = await index.range({ lt: u64(horizon + 1), limit: limit + 1 });
    const due = expired.slice(0, limit);
    const idKeys = due.map((e) => e.key.subarray(8));
    await ids.prefetch(idKeys);
    due.forEach((entry, i) => {
      index.delete(entry.key);
      const current = ids.peek(idKeys[i]);
      if (current !== undefined && current.equals(entry.key.subarray(0, 8))) ids.delete(idKeys[i]);
    });
    return expired.length > limit;
  }

  return async (batch) => {
    const records = recordsOf(batch);
    if (records.length === 0) return batch;
    // Stream time only grows: an id expired for the batch's first record is expired for all of them.
    const first = records[0].time;
    const tick = first - lastPurge >= purgeEvery;
    const limit = (tick ? PURGE_LIMIT : 0) + (backlog ? PURGE_PER_RECORD * records.length : 0);
    if (tick) lastPurge = first;
    if (limit > 0) backlog = await purgeExpired(first - node.retentionMs, limit);

    // The ids first (a user function: its failure is the record's), then one multi-get for all of them.
    const idOf = await prefetchKeys(node.name, records, ids, (env) => Buffer.from(node.id(env.record), 'utf8'), (id) => id);

    const out: Envelope[] = [];
    for (const env of batch) {
      if (env.kind !== 'record') {
        out.push(env);
        continue;
      }
      const found = idOf.get(env)!;
      if (!found.ok) {
        out.push(found.failure);
        continue;
      }
      const id = found.key;
      const seen = ids.peek(id);
      if (seen !== undefined) {
        if (env.time - Number(seen.readBigUInt64BE()) < node.retentionMs) continue;
        index.delete(Buffer.concat([seen, id]));
      }
      const now = u64(env.time);
      ids.putOwned(id, now);
      index.putOwned(Buffer.concat([now, id]), EMPTY);
      out.push(env);
    }
    return out;
  };
}
