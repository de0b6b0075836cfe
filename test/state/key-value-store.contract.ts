import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { KeyValueStore, prefixEnd } from '../../src/state/key-value-store';

const b = (s: string) => Buffer.from(s);
const str = (buf: Buffer | undefined) => buf?.toString();

/**
 * The behaviour every byte store must have. Run once per implementation (see *.test.ts beside this file), so the
 * in-memory store used by the driver cannot drift from RocksDB.
 */
export function keyValueStoreContract(name: string, open: () => Promise<KeyValueStore>, reopen?: (s: KeyValueStore) => Promise<KeyValueStore>): void {
  describe(`KeyValueStore contract: ${name}`, () => {
    let store: KeyValueStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('returns undefined for a missing key', async () => {
      assert.equal(await store.get(b('nope')), undefined);
    });

    it('getMany answers every key in the order asked, undefined where absent, duplicates included', async () => {
      await store.write([
        { key: b('a'), value: b('1') },
        { key: b('c'), value: b('3') },
      ]);
      assert.deepEqual((await store.getMany([b('c'), b('b'), b('a'), b('c')])).map(str), ['3', undefined, '1', '3']);
      assert.deepEqual(await store.getMany([]), []);
    });

    it('getMany agrees with get for random keys and contents', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 25 }), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }), async (present, asked) => {
          const key = (n: number) => b(`gm-${n}`);
          await store.write(present.map((n) => ({ key: key(n), value: b(`v${n}`) })));
          const many = await store.getMany(asked.map(key));
          const one = await Promise.all(asked.map((n) => store.get(key(n))));
          assert.deepEqual(many.map(str), one.map(str));
          await store.write(present.map((n) => ({ key: key(n), value: null })));
        }),
        { numRuns: 30 },
      );
    });

    it('puts, overwrites and deletes', async () => {
      await store.write([{ key: b('k'), value: b('1') }]);
      assert.equal(str(await store.get(b('k'))), '1');
      await store.write([{ key: b('k'), value: b('2') }]);
      assert.equal(str(await store.get(b('k'))), '2');
      await store.write([{ key: b('k'), value: null }]);
      assert.equal(await store.get(b('k')), undefined);
    });

    it('applies a batch in order, the last op on a key winning', async () => {
      await store.write([
        { key: b('a'), value: b('1') },
        { key: b('a'), value: null },
        { key: b('b'), value: b('1') },
        { key: b('b'), value: b('2') },
      ]);
      assert.equal(await store.get(b('a')), undefined);
      assert.equal(str(await store.get(b('b'))), '2');
    });

    it('ranges in unsigned byte order with inclusive start and exclusive end', async () => {
      const keys = [Buffer.from([0x00]), Buffer.from([0x01, 0xff]), Buffer.from([0x02]), Buffer.from([0x7f]), Buffer.from([0x80]), Buffer.from([0xff, 0x00])];
      await store.write([...keys].reverse().map((key) => ({ key, value: key })));
      const all = await store.range();
      assert.deepEqual(all.map((e) => e.key.toString('hex')), keys.map((k) => k.toString('hex')));
      const mid = await store.range({ gte: Buffer.from([0x01, 0xff]), lt: Buffer.from([0x80]) });
      assert.deepEqual(mid.map((e) => e.key.toString('hex')), ['01ff', '02', '7f']);
    });

    it('ranges over a prefix with prefixEnd', async () => {
      await store.write(['s/a/1', 's/a/2', 's/b/1', 's/a', 'c'].map((k) => ({ key: b(k), value: b(k) })));
      const got = await store.range({ gte: b('s/a/'), lt: prefixEnd(b('s/a/')) });
      assert.deepEqual(got.map((e) => e.key.toString()), ['s/a/1', 's/a/2']);
    });

    it('returns only the first entries with a limit', async () => {
      await store.write(['k1', 'k2', 'k3', 'k4'].map((k) => ({ key: b(k), value: b(k) })));
      assert.deepEqual((await store.range({ gte: b('k2'), limit: 2 })).map((e) => e.key.toString()), ['k2', 'k3']);
      assert.deepEqual((await store.range({ limit: 0 })).length, 0);
    });

    it('keeps the stored bytes independent of the caller buffer', async () => {
      const value = b('abc');
      await store.write([{ key: b('k'), value }]);
      value[0] = 0x7a;
      assert.equal(str(await store.get(b('k'))), 'abc');
    });

    it('agrees with a Map model over random batches', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(fc.record({ k: fc.integer({ min: 0, max: 20 }), v: fc.option(fc.integer({ min: 0, max: 99 })) }), { maxLength: 10 }), { maxLength: 10 }),
          async (batches) => {
            const keyOf = (k: number) => b(`m/${String(k).padStart(2, '0')}`);
            await store.write((await store.range({ gte: b('m/'), lt: b('m0') })).map((e) => ({ key: e.key, value: null })));
            const model = new Map<string, string>();
            for (const batch of batches) {
              await store.write(batch.map(({ k, v }) => ({ key: keyOf(k), value: v === null ? null : b(String(v)) })));
              for (const { k, v } of batch) {
                if (v === null) model.delete(keyOf(k).toString());
                else model.set(keyOf(k).toString(), String(v));
              }
            }
            const got = (await store.range({ gte: b('m/'), lt: b('m0') })).map((e) => [e.key.toString(), e.value.toString()]);
            assert.deepEqual(got, [...model.entries()].sort(([a], [c]) => (a < c ? -1 : 1)));
          },
        ),
        { numRuns: 30 },
      );
    });

    if (reopen) {
      it('keeps data across close and reopen', async () => {
        await store.write([{ key: b('durable'), value: b('yes') }]);
        store = await reopen(store);
        assert.equal(str(await store.get(b('durable'))), 'yes');
      });
    }
  });
}
