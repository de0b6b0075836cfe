import { strict as assert } from 'node:assert';
import { prefetchKeys } from '../../../src/runtime/operators/prefetch-keys';
import { CachingStore } from '../../../src/state/caching-store';
import { InMemoryKeyValueStore } from '../../../src/state/in-memory-key-value-store';
import { RawStore } from '../../../src/state/raw-store';
import { rec } from './support';

describe('prefetchKeys', () => {
  it('reads every key of the batch in one multi-get, then they can be peeked; a key function that throws fails its record only', async () => {
    const storage = new InMemoryKeyValueStore();
    const raw = new RawStore('s', storage);
    await storage.write([{ key: raw.toStorageKey(Buffer.from('a')), value: Buffer.from('1') }]);
    let multiGets = 0;
    const counting = Object.assign(Object.create(raw), { getMany: (keys: Buffer[]) => (multiGets++, raw.getMany(keys)) });
    const store = new CachingStore(counting);
    const batch = [rec(0, 'a'), rec(1, 'boom'), rec(2, 'b')];
    const found = await prefetchKeys('node', batch, store, (env) => {
      if (env.record.value === 'boom') throw new Error('no key for boom');
      return String(env.record.value);
    }, (k) => Buffer.from(k));
    assert.equal(multiGets, 1);
    assert.deepEqual([...found.values()].map((f) => (f.ok ? f.key : f.failure.kind)), ['a', 'failure', 'b']);
    const failed = found.get(batch[1] as never)!;
    assert.ok(!failed.ok && failed.failure.kind === 'failure' && failed.failure.stage === 'processing' && /no key for boom/.test(failed.failure.error.message));
    assert.equal(store.peek(Buffer.from('a'))?.toString(), '1');
    assert.equal(store.peek(Buffer.from('b')), undefined, 'absent, and known to be');
  });
});
