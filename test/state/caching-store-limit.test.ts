import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { CachingStore } from '../../src/state/caching-store';
import { InMemoryKeyValueStore } from '../../src/state/in-memory-key-value-store';
import { RawStore } from '../../src/state/raw-store';

describe('CachingStore range with a limit', () => {
  it('is always the first entries of the merged view, whatever the batch deleted or added', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { maxLength: 20 }),
        fc.array(fc.record({ k: fc.integer({ min: 0, max: 30 }), del: fc.boolean() }), { maxLength: 20 }),
        fc.integer({ min: 0, max: 10 }),
        async (committed, writes, limit) => {
          const key = (n: number) => Buffer.from(`k${String(n).padStart(2, '0')}`);
          const storage = new InMemoryKeyValueStore();
          const raw = new RawStore('s', storage);
          await storage.write(committed.map((n) => ({ key: raw.toStorageKey(key(n)), value: Buffer.from('c') })));
          const cache = new CachingStore(raw);
          for (const w of writes) (w.del ? cache.delete(key(w.k)) : cache.put(key(w.k), Buffer.from('d')));
          const full = (await cache.range()).map((e) => e.key.toString());
          const limited = (await cache.range({ limit })).map((e) => e.key.toString());
          assert.deepEqual(limited, full.slice(0, limit));
        },
      ),
      { numRuns: 200 },
    );
  });
});
