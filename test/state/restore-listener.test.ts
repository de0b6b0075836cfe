/**
 * The restore listener hook (Kafka Streams' StateRestoreListener): a task that restarts on wiped state tells the
 * listener, for each logged store, where the replay starts and ends, each batch written and the total.
 */
import { strict as assert } from 'node:assert';
import { StateRestoreListener, TopicPartition } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { TOPICS, wallet } from '../../topology/wallet/topology';
import { transfer } from '../wallet/wallet-test-helpers';

type Event =
  | { event: 'start'; tp: TopicPartition; store: string; from: number; to: number }
  | { event: 'batch'; tp: TopicPartition; store: string; batchEndOffset: number; numRestored: number }
  | { event: 'end'; tp: TopicPartition; store: string; totalRestored: number };

function recorder() {
  const events: Event[] = [];
  const listener: StateRestoreListener = {
    onRestoreStart: (tp, store, from, to) => events.push({ event: 'start', tp: { ...tp }, store, from, to }),
    onBatchRestored: (tp, store, batchEndOffset, numRestored) => events.push({ event: 'batch', tp: { ...tp }, store, batchEndOffset, numRestored }),
    onRestoreEnd: (tp, store, totalRestored) => events.push({ event: 'end', tp: { ...tp }, store, totalRestored }),
  };
  return { events, listener };
}

const changelog = (store: string) => `${wallet.applicationId}-${store}-changelog`;

describe('the restore listener (start / batches / end, as Kafka Streams has)', function () {
  this.timeout(60_000);
  const TRANSFERS = 2400;
  let driver: TopologyTestDriver;
  let rec: ReturnType<typeof recorder>;

  before(async () => {
    rec = recorder();
    driver = await TopologyTestDriver.create(wallet, { partitions: 2, restoreListener: rec.listener, maxBatchSize: 500 });
    // A fresh driver has nothing to restore: no calls.
    assert.deepEqual(rec.events, []);
    const input = driver.inputTopic<string, ReturnType<typeof transfer>>(TOPICS.transferRequest);
    for (let i = 0; i < TRANSFERS; i++) {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      await input.pipe(id, transfer(id, `a${i % 50}`, `b${i % 40}`, '1.00'));
    }
  });

  after(() => driver.close());

  /** What a wiped task must replay from a store's changelog partition: its records and end. */
  function changelogOf(store: string, partition: number) {
    const tp = { topic: changelog(store), partition };
    const records = driver.log.read(tp, 0);
    return { tp, records, end: driver.log.endOffset(tp) };
  }

  /** The events of one store's restore, checked for a consistent start / batches / end sequence; returns its batches. */
  function assertRestore(events: Event[], store: string, partition: number) {
    const { tp, records, end } = changelogOf(store, partition);
    assert.ok(records.length > 0, `${store}[${partition}] has a changelog to replay`);
    const own = events.filter((e) => e.store === store);
    assert.deepEqual(own[0], { event: 'start', tp, store, from: 0, to: end });
    assert.deepEqual(own.at(-1), { event: 'end', tp, store, totalRestored: records.length });
    const batches = own.slice(1, -1);
    assert.ok(batches.every((b) => b.event === 'batch' && b.tp.topic === tp.topic && b.tp.partition === partition), JSON.stringify(own));
    const counts = batches.map((b) => (b as Extract<Event, { event: 'batch' }>).numRestored);
    const ends = batches.map((b) => (b as Extract<Event, { event: 'batch' }>).batchEndOffset);
    assert.equal(counts.reduce((a, b) => a + b, 0), records.length, 'the batches add up to the total');
    assert.ok(counts.every((n) => n > 0));
    assert.deepEqual(ends, [...ends].sort((a, b) => a - b), 'batch end offsets go up');
    assert.equal(new Set(ends).size, ends.length);
    assert.equal(ends.at(-1), records.at(-1)!.offset, 'the last batch ends at the last record');
    assert.ok(ends.every((offset) => offset < end));
    return batches;
  }

  it('a task restarted on wiped state reports its store: start (from 0 to the end), every batch, end (the total)', async () => {
    const before = await driver.store('payment-0', 'transfer-dedupe');
    await driver.crash('payment-0');
    await driver.wipeState('payment-0');
    rec.events.length = 0;
    await driver.restart('payment-0');
    const batches = assertRestore(rec.events, 'transfer-dedupe', 0);
    assert.ok(batches.length >= 2, `more than one batch (${changelogOf('transfer-dedupe', 0).records.length} records): ${JSON.stringify(rec.events)}`);
    assert.equal(rec.events.length, batches.length + 2, 'only that store: its local time index is rebuilt, not restored');
    assert.deepEqual(await driver.store('payment-0', 'transfer-dedupe'), before, 'the store is what it was');
  });

  it('a task with two stores reports each, one after the other', async () => {
    const balances = await driver.store('accountant-1', 'balance');
    await driver.crash('accountant-1');
    await driver.wipeState('accountant-1');
    rec.events.length = 0;
    await driver.restart('accountant-1');
    const stores = rec.events.filter((e) => e.event === 'start').map((e) => e.store);
    assert.deepEqual(stores.slice().sort(), ['balance', 'payment-dedupe']);
    for (const store of stores) assertRestore(rec.events, store, 1);
    // Each store's events are contiguous: the first store ends before the second starts.
    const firstEnd = rec.events.findIndex((e) => e.event === 'end');
    assert.equal(rec.events.findIndex((e, i) => i > 0 && e.event === 'start'), firstEnd + 1);
    assert.deepEqual(await driver.store('accountant-1', 'balance'), balances);
  });

  it('a restart on intact state (checkpoint at the changelog end) has nothing to restore: no calls', async () => {
    rec.events.length = 0;
    await driver.restart('payment-1');
    await driver.restart('accountant-0');
    assert.deepEqual(rec.events, []);
  });

  it('a task that died after its transaction replays only what its checkpoint lacks: start at the checkpoint', async () => {
    // John and Carol are both on partition 0: both legs go to accountant-0, which dies once the batch's transaction
    // (outputs and changelog records) committed and before its store write.
    const ends = { balance: changelogOf('balance', 0).end, 'payment-dedupe': changelogOf('payment-dedupe', 0).end };
    driver.failNext('accountant-0', 'after-transaction');
    await driver.inputTopic<string, ReturnType<typeof transfer>>(TOPICS.transferRequest).pipe('20000000-0000-4000-8000-000000000000', transfer('20000000-0000-4000-8000-000000000000', 'John', 'Carol', '2.00'));
    rec.events.length = 0;
    await driver.restart('accountant-0');
    for (const store of ['balance', 'payment-dedupe'] as const) {
      const { tp, records, end } = changelogOf(store, 0);
      const replayed = records.filter((r) => r.offset >= ends[store]);
      assert.ok(replayed.length > 0 && end > ends[store], `${store} got records in the failed commit`);
      const own = rec.events.filter((e) => e.store === store);
      assert.deepEqual(own[0], { event: 'start', tp, store, from: ends[store], to: end });
      assert.deepEqual(own.at(-1), { event: 'end', tp, store, totalRestored: replayed.length });
      assert.deepEqual(
        own.slice(1, -1).map((e) => (e as Extract<Event, { event: 'batch' }>).numRestored),
        [replayed.length],
      );
    }
  });
});
