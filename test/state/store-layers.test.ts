import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CachingStore } from '../../src/state/caching-store';
import { ChangeLoggingStore } from '../../src/state/change-logging-store';
import { CHECKPOINT_KEY, Checkpoint, decodeCheckpoint, encodeCheckpoint, recordDigest } from '../../src/state/checkpoint';
import { InMemoryKeyValueStore } from '../../src/state/in-memory-key-value-store';
import { KeyValueStore, WriteOp } from '../../src/state/key-value-store';
import { RawStore } from '../../src/state/raw-store';
import { RocksDbKeyValueStore } from '../../src/state/rocksdb-key-value-store';
import { StoreFlush } from '../../src/state/store-layer';
import { ChangelogReader, StoreSpec, TaskState } from '../../src/state/task-state';
import { LogRecord, TopicPartition, tpKey } from '../../src/core/records';
import { StreamsError } from '../../src/core/errors/streams-error';

/** The store layers (cache → change-logging → raw → byte store) and TaskState's checkpoint, open and restore. */

const b = (s: string) => Buffer.from(s, 'utf8');
const str = (buf: Buffer | null | undefined) => (buf === null ? null : buf?.toString('utf8'));
const entries = (es: Array<{ key: Buffer; value: Buffer }>) => es.map((e) => [str(e.key), str(e.value)]);
const emptyFlush = (): StoreFlush => ({ changelog: [], writes: [] });

/** A changelog partition set in memory: the ChangelogReader of a restore, with a record of what was read. */
class FakeChangelog implements ChangelogReader {
  private readonly logs = new Map<string, LogRecord[]>();
  readonly reads: Array<{ tp: string; from: number; to: number }> = [];
  constructor(private readonly batchSize = 2) {}

  append(tp: TopicPartition, key: string | null, value: string | null): void {
    const log = this.logs.get(tpKey(tp)) ?? [];
    log.push({ ...tp, offset: log.length, timestamp: 0, key: key === null ? null : b(key), value: value === null ? null : b(value), headers: {} });
    this.logs.set(tpKey(tp), log);
  }

  async endOffset(tp: TopicPartition): Promise<number> {
    return this.logs.get(tpKey(tp))?.length ?? 0;
  }

  async read(tp: TopicPartition, from: number, to: number, onBatch: (records: LogRecord[]) => Promise<void>): Promise<void> {
    this.reads.push({ tp: tpKey(tp), from, to });
    const log = (this.logs.get(tpKey(tp)) ?? []).filter((r) => r.offset >= from && r.offset < to);
    for (let i = 0; i < log.length; i += this.batchSize) await onBatch(log.slice(i, i + this.batchSize));
  }
}

describe('store layers', () => {
  describe('CachingStore over ChangeLoggingStore over RawStore', () => {
    let storage: InMemoryKeyValueStore;
    let raw: RawStore;
    let cache: CachingStore;
    beforeEach(async () => {
      storage = new InMemoryKeyValueStore();
      raw = new RawStore('kv', storage);
      cache = new CachingStore(new ChangeLoggingStore(raw, 'app-kv-changelog', 1));
      // Committed state below the cache: a=1, c=3, e=5.
      await storage.write(['a', 'c', 'e'].map((k, i) => ({ key: raw.toStorageKey(b(k)), value: b(String(2 * i + 1)) })));
    });

    it('reads through to the committed store', async () => {
      assert.equal(cache.name, 'kv');
      assert.equal(str(await cache.get(b('a'))), '1');
      assert.equal(await cache.get(b('b')), undefined);
      assert.deepEqual(entries(await cache.range()), [['a', '1'], ['c', '3'], ['e', '5']]);
    });

    it('reads its own writes: puts, overwrites and deletes hide what is below', async () => {
      cache.put(b('b'), b('2'));
      cache.put(b('c'), b('30'));
      cache.delete(b('e'));
      cache.delete(b('zz')); // deleting a key that exists nowhere is harmless
      assert.equal(str(await cache.get(b('b'))), '2');
      assert.equal(str(await cache.get(b('c'))), '30');
      assert.equal(await cache.get(b('e')), undefined);
      assert.equal(await cache.get(b('zz')), undefined);
      assert.deepEqual(entries(await cache.range()), [['a', '1'], ['b', '2'], ['c', '30']]);
      // the store below is untouched
      assert.deepEqual(entries(await raw.range()), [['a', '1'], ['c', '3'], ['e', '5']]);
    });

    it('a put after a delete brings a key back; a delete after a put removes it', async () => {
      cache.delete(b('a'));
      cache.put(b('a'), b('one'));
      cache.put(b('x'), b('new'));
      cache.delete(b('x'));
      assert.equal(str(await cache.get(b('a'))), 'one');
      assert.equal(await cache.get(b('x')), undefined);
      assert.deepEqual(entries(await cache.range()), [['a', 'one'], ['c', '3'], ['e', '5']]);
    });

    it('merges bounded ranges (inclusive start, exclusive end) with the cached writes', async () => {
      cache.put(b('b'), b('2'));
      cache.put(b('d'), b('4'));
      cache.delete(b('c'));
      cache.put(b('f'), b('6'));
      assert.deepEqual(entries(await cache.range({ gte: b('b'), lt: b('e') })), [['b', '2'], ['d', '4']]);
      assert.deepEqual(entries(await cache.range({ gte: b('c') })), [['d', '4'], ['e', '5'], ['f', '6']]);
      assert.deepEqual(entries(await cache.range({ lt: b('c') })), [['a', '1'], ['b', '2']]);
    });

    it('orders merged keys by unsigned bytes', async () => {
      cache.put(Buffer.from([0xff]), b('high'));
      cache.put(Buffer.from([0x00]), b('low'));
      cache.put(Buffer.from([0x80, 0x01]), b('mid'));
      const keys = (await cache.range()).map((e) => e.key.toString('hex'));
      assert.deepEqual(keys, ['00', ...['a', 'c', 'e'].map((k) => b(k).toString('hex')), '8001', 'ff']);
    });

    it('keeps a copy of the value it was given', async () => {
      const value = b('mutable');
      cache.put(b('k'), value);
      value.write('XXXXXXX');
      assert.equal(str(await cache.get(b('k'))), 'mutable');
    });

    it('flush logs only the last write of each key, deletes as tombstones, in key order', () => {
      cache.put(b('k'), b('1'));
      cache.put(b('k'), b('2'));
      cache.put(b('j'), b('1'));
      cache.delete(b('j'));
      cache.delete(b('a'));
      cache.put(b('b'), b('x'));
      assert.equal(cache.dirtyCount, 4);
      const into = emptyFlush();
      cache.flush([], into, 1234);
      assert.deepEqual(
        into.changelog.map((r) => [r.topic, r.partition, r.timestamp, str(r.key), str(r.value)]),
        [
          ['app-kv-changelog', 1, 1234, 'a', null],
          ['app-kv-changelog', 1, 1234, 'b', 'x'],
          ['app-kv-changelog', 1, 1234, 'j', null],
          ['app-kv-changelog', 1, 1234, 'k', '2'],
        ],
      );
      assert.deepEqual(
        into.writes.map((w) => [w.key.toString('latin1'), str(w.value)]),
        [
          ['s\u0000kv\u0000a', null],
          ['s\u0000kv\u0000b', 'x'],
          ['s\u0000kv\u0000j', null],
          ['s\u0000kv\u0000k', '2'],
        ],
      );
    });

    it('flush touches neither the byte store nor the cache; nothing is written until the writes are persisted', async () => {
      cache.put(b('a'), b('changed'));
      cache.delete(b('c'));
      const into = emptyFlush();
      cache.flush([], into, 0);
      assert.equal(str(await storage.get(raw.toStorageKey(b('a')))), '1');
      assert.equal(str(await storage.get(raw.toStorageKey(b('c')))), '3');
      assert.equal(str(await cache.get(b('a'))), 'changed', 'the cache keeps the batch until clear');
      await storage.write(into.writes);
      cache.clear();
      assert.equal(cache.dirtyCount, 0);
      assert.deepEqual(entries(await cache.range()), [['a', 'changed'], ['e', '5']]);
    });

    it('flush of an untouched cache produces nothing; clear discards a batch', async () => {
      const into = emptyFlush();
      cache.flush([], into, 0);
      assert.deepEqual(into, emptyFlush());
      cache.put(b('a'), b('lost'));
      cache.clear();
      assert.equal(str(await cache.get(b('a'))), '1');
      cache.flush([], into, 0);
      assert.deepEqual(into, emptyFlush());
    });

    it('stores of one byte store do not see each other', async () => {
      const other = new RawStore('kv2', storage);
      await storage.write([{ key: other.toStorageKey(b('a')), value: b('other') }]);
      // "kv" is a prefix of "kv2" as a string, but not of its storage prefix.
      assert.deepEqual(entries(await raw.range()), [['a', '1'], ['c', '3'], ['e', '5']]);
      assert.deepEqual(entries(await other.range()), [['a', 'other']]);
    });
  });

  for (const kind of ['in-memory', 'rocksdb'] as const) {
    describe(`TaskState on ${kind}`, () => {
      const dirs: string[] = [];
      const open: KeyValueStore[] = [];
      let location: string | undefined;
      let memory: InMemoryKeyValueStore | undefined;

      /** The task's byte store; called again, it reopens the same "disk". */
      async function disk(): Promise<KeyValueStore> {
        let store: KeyValueStore;
        if (kind === 'in-memory') {
          memory = memory ?? new InMemoryKeyValueStore();
          store = memory.reopen();
        } else {
          if (!location) {
            location = mkdtempSync(join(tmpdir(), 'task-state-'));
            dirs.push(location);
          }
          store = await RocksDbKeyValueStore.open(location);
        }
        open.push(store);
        return store;
      }
      async function closeAll(): Promise<void> {
        while (open.length > 0) await open.pop()!.close().catch(() => undefined);
      }

      beforeEach(() => {
        location = undefined;
        memory = undefined;
      });
      afterEach(closeAll);
      after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

      const PARTITION = 1;
      const specs: StoreSpec[] = [
        { name: 'kv', changelogTopic: 'app-kv-changelog' },
        { name: 'other', changelogTopic: 'app-other-changelog' },
      ];
      const kvTp = { topic: 'app-kv-changelog', partition: PARTITION };
      const otherTp = { topic: 'app-other-changelog', partition: PARTITION };
      const checkpointWith = (changelog: Record<string, number>, source: Record<string, number> = {}): Checkpoint => ({ version: 1, source, changelog });

      const storeEntries = async (state: TaskState, name: string) => entries(await state.stores.get(name)!.range());
      const storedCheckpoint = async (storage: KeyValueStore) => {
        const bytes = await storage.get(CHECKPOINT_KEY);
        return bytes === undefined ? undefined : decodeCheckpoint(bytes, 'test');
      };
      /** Commits a batch the way Commit does: flush the caches, then persist writes + checkpoint. */
      async function commit(state: TaskState, batch: (kv: CachingStore) => void, checkpoint: Checkpoint): Promise<StoreFlush> {
        batch(state.stores.get('kv')!);
        const flushed = state.flush(1000);
        await state.persist(flushed.writes, checkpoint);
        return flushed;
      }

      it('opens fresh storage with an empty checkpoint and empty stores', async () => {
        const state = await TaskState.open(await disk(), specs, PARTITION, 'task-1');
        assert.deepEqual(state.checkpoint, checkpointWith({}));
        assert.deepEqual([...state.stores.keys()], ['kv', 'other']);
        assert.deepEqual(await storeEntries(state, 'kv'), []);
      });

      it('nothing reaches the byte store before persist; persist writes the data and the checkpoint', async () => {
        const storage = await disk();
        const state = await TaskState.open(storage, specs, PARTITION, 'task-1');
        const kv = state.stores.get('kv')!;
        kv.put(b('a'), b('1'));
        kv.put(b('b'), b('2'));
        kv.delete(b('b'));
        state.stores.get('other')!.put(b('o'), b('x'));
        assert.deepEqual(await storeEntries(state, 'kv'), [['a', '1']], 'read-your-writes before the commit');

        const flushed = state.flush(1000);
        assert.deepEqual(
          flushed.changelog.map((r) => [r.topic, r.partition, str(r.key), str(r.value)]),
          [
            ['app-kv-changelog', PARTITION, 'a', '1'],
            ['app-kv-changelog', PARTITION, 'b', null],
            ['app-other-changelog', PARTITION, 'o', 'x'],
          ],
        );
        assert.deepEqual(await storage.range(), [], 'flush wrote nothing');

        const checkpoint = checkpointWith({ 'app-kv-changelog': 7, 'app-other-changelog': 3 }, { 'in-1': 42 });
        await state.persist(flushed.writes, checkpoint);
        assert.deepEqual(await storedCheckpoint(storage), checkpoint);
        assert.deepEqual(state.checkpoint, checkpoint);
        assert.equal(str(await storage.get(new RawStore('kv', storage).toStorageKey(b('a')))), '1');
        assert.equal(state.stores.get('kv')!.dirtyCount, 0, 'persist clears the caches');
        assert.deepEqual(await storeEntries(state, 'kv'), [['a', '1']]);
        assert.deepEqual(await storeEntries(state, 'other'), [['o', 'x']]);
      });

      it('persist is one atomic write of data and checkpoint: a failed write leaves neither', async () => {
        const storage = await disk();
        const calls: WriteOp[][] = [];
        let fail = false;
        const spy: KeyValueStore = {
          kind: 'spy',
          get: (k) => storage.get(k),
          getMany: (ks) => storage.getMany(ks),
          range: (r) => storage.range(r),
          close: () => storage.close(),
          write: async (ops) => {
            calls.push(ops);
            if (fail) throw new Error('disk full');
            return storage.write(ops);
          },
        };
        const state = await TaskState.open(spy, specs, PARTITION, 'task-1');
        await commit(state, (kv) => kv.put(b('a'), b('1')), checkpointWith({ 'app-kv-changelog': 1 }));
        assert.equal(calls.length, 1);
        assert.deepEqual(calls[0].map((op) => op.key.toString('latin1')), ['s\u0000kv\u0000a', CHECKPOINT_KEY.toString('latin1')]);

        fail = true;
        state.stores.get('kv')!.put(b('a'), b('2'));
        const flushed = state.flush(0);
        await assert.rejects(state.persist(flushed.writes, checkpointWith({ 'app-kv-changelog': 2 })), /disk full/);
        assert.deepEqual(state.checkpoint, checkpointWith({ 'app-kv-changelog': 1 }), 'the in-memory checkpoint did not move');
        assert.deepEqual(await storedCheckpoint(storage), checkpointWith({ 'app-kv-changelog': 1 }));
        assert.equal(str(await storage.get(new RawStore('kv', storage).toStorageKey(b('a')))), '1');
      });

      it('reopens with the persisted checkpoint and data', async () => {
        const state = await TaskState.open(await disk(), specs, PARTITION, 'task-1');
        await commit(state, (kv) => kv.put(b('a'), b('1')), checkpointWith({ 'app-kv-changelog': 1 }));
        await state.close();
        const again = await TaskState.open(await disk(), specs, PARTITION, 'task-1');
        assert.deepEqual(again.checkpoint, checkpointWith({ 'app-kv-changelog': 1 }));
        assert.deepEqual(await storeEntries(again, 'kv'), [['a', '1']]);
      });

      it('open wipes store data that has no checkpoint', async () => {
        const storage = await disk();
        const kvRaw = new RawStore('kv', storage);
        const otherRaw = new RawStore('other', storage);
        await storage.write([
          { key: kvRaw.toStorageKey(b('a')), value: b('1') },
          { key: otherRaw.toStorageKey(b('o')), value: b('x') },
          // a store that is no longer in the topology is stale as well
          { key: new RawStore('gone', storage).toStorageKey(b('g')), value: b('y') },
        ]);
        const state = await TaskState.open(storage, specs, PARTITION, 'task-1');
        assert.deepEqual(state.checkpoint, checkpointWith({}));
        assert.deepEqual(await storage.range(), []);
        assert.deepEqual(await storeEntries(state, 'kv'), []);
      });

      it('open refuses a corrupt checkpoint', async () => {
        const storage = await disk();
        await storage.write([{ key: CHECKPOINT_KEY, value: b('{not json') }]);
        await assert.rejects(TaskState.open(storage, specs, PARTITION, 'task-1'), (err: Error & { code?: string }) => err.code === 'CHECKPOINT_CORRUPT' && /task-1/.test(err.message));
      });

      it('restores from scratch: replays each changelog partition from offset 0, tombstones delete', async () => {
        const log = new FakeChangelog(2);
        log.append(kvTp, 'a', '1');
        log.append(kvTp, 'b', '1');
        log.append(kvTp, 'a', '2');
        log.append(kvTp, 'b', null);
        log.append(kvTp, 'c', '3');
        log.append(otherTp, 'o', 'x');
        log.append({ topic: 'app-kv-changelog', partition: 0 }, 'not-mine', 'other partition');

        const storage = await disk();
        const state = await TaskState.open(storage, specs, PARTITION, 'task-1');
        const { restored } = await state.restore(log);
        assert.equal(restored, 6);
        assert.deepEqual(log.reads, [
          { tp: 'app-kv-changelog-1', from: 0, to: 5 },
          { tp: 'app-other-changelog-1', from: 0, to: 1 },
        ]);
        assert.deepEqual(await storeEntries(state, 'kv'), [['a', '2'], ['c', '3']]);
        assert.deepEqual(await storeEntries(state, 'other'), [['o', 'x']]);
        // Each changelog's last restored record anchors its identity for the next start.
        const expected = {
          ...checkpointWith({ 'app-kv-changelog': 5, 'app-other-changelog': 1 }),
          anchors: { 'app-kv-changelog': { offset: 4, digest: recordDigest(b('c'), b('3')) }, 'app-other-changelog': { offset: 0, digest: recordDigest(b('o'), b('x')) } },
        };
        assert.deepEqual(state.checkpoint, expected);
        assert.deepEqual(await storedCheckpoint(storage), expected);
      });

      it('restores from the checkpoint offset only', async () => {
        const storage = await disk();
        const state = await TaskState.open(storage, specs, PARTITION, 'task-1');
        // Offsets 0-1 are already in the local store (committed with checkpoint 2).
        await commit(
          state,
          (kv) => {
            kv.put(b('a'), b('1'));
            kv.put(b('z'), b('old'));
          },
          checkpointWith({ 'app-kv-changelog': 2, 'app-other-changelog': 0 }),
        );
        await state.close();

        const log = new FakeChangelog(2);
        log.append(kvTp, 'a', '1');
        log.append(kvTp, 'z', 'old');
        log.append(kvTp, 'a', '2'); // 2: the first record not in the checkpoint
        log.append(kvTp, 'b', '1');
        log.append(kvTp, 'b', null);
        log.append(kvTp, 'z', null);
        log.append(kvTp, 'c', '3');

        const again = await TaskState.open(await disk(), specs, PARTITION, 'task-1');
        const { restored } = await again.restore(log);
        assert.equal(restored, 5);
        assert.deepEqual(log.reads, [{ tp: 'app-kv-changelog-1', from: 2, to: 7 }], 'nothing to read for `other` (empty changelog)');
        assert.deepEqual(await storeEntries(again, 'kv'), [['a', '2'], ['c', '3']]);
        assert.equal(again.checkpoint.changelog['app-kv-changelog'], 7);
      });

      it('restores nothing when the checkpoint is at the end of the changelog', async () => {
        const state = await TaskState.open(await disk(), specs, PARTITION, 'task-1');
        await commit(state, (kv) => kv.put(b('a'), b('1')), checkpointWith({ 'app-kv-changelog': 1 }));
        const log = new FakeChangelog();
        log.append(kvTp, 'a', '1');
        assert.deepEqual(await state.restore(log), { restored: 0 });
        assert.deepEqual(log.reads, []);
        assert.deepEqual(await storeEntries(state, 'kv'), [['a', '1']]);
      });

      it('restore skips records without a key and checkpoints each batch, so an interrupted restore resumes', async () => {
        const log = new FakeChangelog(2);
        log.append(kvTp, 'a', '1');
        log.append(kvTp, null, 'keyless');
        log.append(kvTp, 'b', '2');
        log.append(kvTp, 'c', '3');
        log.append(kvTp, 'd', '4');

        const storage = await disk();
        const state = await TaskState.open(storage, specs, PARTITION, 'task-1');
        let batches = 0;
        const flaky: ChangelogReader = {
          endOffset: (tp) => log.endOffset(tp),
          read: (tp, from, to, onBatch) =>
            log.read(tp, from, to, async (records) => {
              if (++batches === 3) throw new Error('broker went away');
              await onBatch(records);
            }),
        };
        await assert.rejects(state.restore(flaky), /broker went away/);
        assert.equal((await storedCheckpoint(storage))?.changelog['app-kv-changelog'], 4, 'two batches applied and checkpointed');
        assert.deepEqual(await storeEntries(state, 'kv'), [['a', '1'], ['b', '2'], ['c', '3']]);

        log.reads.length = 0;
        await state.restore(log);
        // First the anchor (the last record taken, at 3) is checked to be the same record, then the rest is read.
        assert.deepEqual(log.reads, [
          { tp: 'app-kv-changelog-1', from: 3, to: 4 },
          { tp: 'app-kv-changelog-1', from: 4, to: 5 },
        ]);
        assert.deepEqual(await storeEntries(state, 'kv'), [['a', '1'], ['b', '2'], ['c', '3'], ['d', '4']]);
        assert.equal(state.checkpoint.changelog['app-kv-changelog'], 5);
      });

      it('a checkpoint beyond the changelog end refuses to restore (CHANGELOG_LOST), leaving the store as it was', async () => {
        const storage = await disk();
        const state = await TaskState.open(storage, specs, PARTITION, 'task-1');
        await commit(state, (kv) => kv.put(b('a'), b('kept')), checkpointWith({ 'app-kv-changelog': 10 }));
        const log = new FakeChangelog(2);
        log.append(kvTp, 'a', '1'); // the changelog was recreated: 1 record where the checkpoint says 10
        await assert.rejects(state.restore(log), (err: unknown) => {
          assert.ok(err instanceof StreamsError, String(err));
          assert.equal(err.code, 'CHANGELOG_LOST');
          assert.match(err.message, /app-kv-changelog-\d+ was read up to offset 10, but the changelog ends at 1.*--rebuild-state/);
          return true;
        });
        assert.deepEqual(await storeEntries(state, 'kv'), [['a', 'kept']]);
        assert.equal(state.checkpoint.changelog['app-kv-changelog'], 10);
      });

      it('a changelog replaced by one that has grown past the checkpoint refuses to restore (CHANGELOG_LOST): its anchor record differs', async () => {
        // The task took a, b from the changelog (checkpoint 2, anchor: b at offset 1).
        const original = new FakeChangelog(2);
        original.append(kvTp, 'a', '1');
        original.append(kvTp, 'b', '2');
        const storage = await disk();
        const state = await TaskState.open(storage, specs, PARTITION, 'task-1');
        await state.restore(original);
        assert.deepEqual(state.checkpoint.anchors?.['app-kv-changelog'], { offset: 1, digest: recordDigest(b('b'), b('2')) });

        // Deleted and recreated, then written by someone else past offset 2: offsets alone look fine.
        const replaced = new FakeChangelog(2);
        for (const [k, v] of [['x', '9'], ['y', '8'], ['z', '7'], ['w', '6']]) replaced.append(kvTp, k, v);
        await assert.rejects(state.restore(replaced), (err: unknown) => {
          assert.ok(err instanceof StreamsError, String(err));
          assert.equal(err.code, 'CHANGELOG_LOST');
          assert.match(err.message, /was read up to offset 2, but the record at offset 1 is not the one the local state last took from it.*--rebuild-state/);
          return true;
        });
        assert.deepEqual(await storeEntries(state, 'kv'), [['a', '1'], ['b', '2']], 'nothing unrelated was applied');

        // The same changelog grown further restores as usual; so does one whose anchor was compacted away.
        original.append(kvTp, 'c', '3');
        assert.deepEqual(await state.restore(original), { restored: 1 });
        const compacted: ChangelogReader = {
          endOffset: (tp) => original.endOffset(tp),
          read: (tp, from, to, onBatch) => original.read(tp, from, to, (records) => onBatch(records.filter((r) => r.offset !== 2))),
        };
        original.append(kvTp, 'c', '4');
        assert.deepEqual(await state.restore(compacted), { restored: 1 });
        assert.deepEqual(await storeEntries(state, 'kv'), [['a', '1'], ['b', '2'], ['c', '4']]);
      });

      it('with rebuildOnChangelogLoss, a replaced changelog wipes the store and rebuilds it from what it holds', async () => {
        const original = new FakeChangelog(2);
        original.append(kvTp, 'a', '1');
        const state = await TaskState.open(await disk(), specs, PARTITION, 'task-1');
        await state.restore(original);
        const replaced = new FakeChangelog(2);
        replaced.append(kvTp, 'x', '9');
        replaced.append(kvTp, 'y', '8');
        const noop = () => undefined;
        assert.deepEqual(await state.restore(replaced, { debug: noop, info: noop, error: noop, warn: noop }, undefined, { rebuildOnChangelogLoss: true }), { restored: 2 });
        assert.deepEqual(await storeEntries(state, 'kv'), [['x', '9'], ['y', '8']]);
      });

      it('with rebuildOnChangelogLoss (--rebuild-state), a checkpoint beyond the changelog end wipes that store and rebuilds it from offset 0', async () => {
        const storage = await disk();
        const state = await TaskState.open(storage, specs, PARTITION, 'task-1');
        state.stores.get('other')!.put(b('keep'), b('me'));
        await commit(
          state,
          (kv) => {
            kv.put(b('stale'), b('x'));
            kv.put(b('a'), b('stale'));
          },
          checkpointWith({ 'app-kv-changelog': 10, 'app-other-changelog': 1 }),
        );

        // The changelog was reset under us: 3 records where the checkpoint says 10.
        const log = new FakeChangelog(2);
        log.append(kvTp, 'a', '1');
        log.append(kvTp, 'b', '2');
        log.append(kvTp, 'a', '3');
        log.append(otherTp, 'keep', 'me');

        const warnings: object[] = [];
        const noop = () => undefined;
        const { restored } = await state.restore(log, { debug: noop, info: noop, error: noop, warn: (o) => warnings.push(o) }, undefined, { rebuildOnChangelogLoss: true });
        assert.equal(restored, 3);
        assert.deepEqual(log.reads, [{ tp: 'app-kv-changelog-1', from: 0, to: 3 }]);
        assert.deepEqual(await storeEntries(state, 'kv'), [['a', '3'], ['b', '2']]);
        assert.deepEqual(await storeEntries(state, 'other'), [['keep', 'me']], 'the other store is left alone');
        assert.deepEqual(state.checkpoint, { ...checkpointWith({ 'app-kv-changelog': 3, 'app-other-changelog': 1 }), anchors: { 'app-kv-changelog': { offset: 2, digest: recordDigest(b('a'), b('3')) } } });
        assert.deepEqual(await storedCheckpoint(storage), state.checkpoint);
        assert.equal(warnings.length, 1);
        assert.deepEqual(warnings[0], { store: 'kv', checkpoint: 10, end: 3, lost: 'the changelog ends at 3' });
      });

      it('a checkpoint beyond an empty changelog leaves an empty store', async () => {
        const storage = await disk();
        const state = await TaskState.open(storage, specs, PARTITION, 'task-1');
        await commit(state, (kv) => kv.put(b('stale'), b('x')), checkpointWith({ 'app-kv-changelog': 4 }));
        const log = new FakeChangelog();
        await state.restore(log, undefined, undefined, { rebuildOnChangelogLoss: true });
        assert.deepEqual(await storeEntries(state, 'kv'), []);
        assert.equal(state.checkpoint.changelog['app-kv-changelog'], 0);
        assert.deepEqual(log.reads, []);
      });

      it('the checkpoint encoding round-trips', () => {
        const c = checkpointWith({ 'app-kv-changelog': 12 }, { 'in-0': 3 });
        assert.deepEqual(decodeCheckpoint(encodeCheckpoint(c), 'x'), c);
      });
    });
  }
});
