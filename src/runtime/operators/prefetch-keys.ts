import { CachingStore } from '../../state/caching-store';
import { Envelope, RecordEnvelope } from '../envelope';
import { asFailure } from './batch-kit';

/** What `prefetchKeys` found for one record: its key, or the failure computing it became. */
export type KeyOrFailure<K> = { ok: true; key: K } | { ok: false; failure: Envelope };

/**
 * The first half of every stateful batch operator: compute each record's store key (`keyOf` may run user code; what
 * it throws becomes that record's failure), then read every key the batch needs from `store` in one multi-get, so the
 * operator's second half runs synchronously over `store.peek`.
 */
export async function prefetchKeys<K>(
  node: string,
  batch: Envelope[],
  store: CachingStore,
  keyOf: (env: RecordEnvelope) => K,
  bytesOf: (key: K) => Buffer,
): Promise<Map<RecordEnvelope, KeyOrFailure<K>>> {
  const found = new Map<RecordEnvelope, KeyOrFailure<K>>();
  const reads: Buffer[] = [];
  for (const env of batch) {
    if (env.kind !== 'record') continue;
    try {
      const key = keyOf(env);
      found.set(env, { ok: true, key });
      reads.push(bytesOf(key));
    } catch (err) {
      found.set(env, { ok: false, failure: asFailure(node, env, err) });
    }
  }
  await store.prefetch(reads);
  return found;
}
