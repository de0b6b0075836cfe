/**
 * Deterministic crash recovery of the wallet: a crash at each named point of a commit, replay of the changelog,
 * and rebuilding wiped local state, on the in-memory "disk" and on RocksDB.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../../src/core/logger';
import { DriverOptions, FAULT_POINTS, FaultPoint, TopologyTestDriver } from '../../src/testing';
import { TOPICS, wallet } from '../../topology/wallet/topology';
import { TransferRequest } from '../../topology/wallet/types';
import {
  accountantOf,
  assertNoDuplicateOutputs,
  balanceRecords,
  balanceStore,
  byteStore,
  isUp,
  latestBalances,
  paymentRecords,
  paymentTaskOf,
  sum,
  transfer,
} from './wallet-test-helpers';

type Point = FaultPoint;
const POINTS = FAULT_POINTS;
/** Points after which the batch's log transaction is visible (outputs, changelog records and source offsets). */
const COMMITTED_AT: Record<Point, boolean> = { processing: false, 'before-transaction': false, 'after-transaction': true, 'after-store-write': true };

/** A logger that keeps the restore progress lines: which store replayed which changelog range. */
function restoreRecorder() {
  const restores: Array<{ store: string; from: number; end: number }> = [];
  const noop = () => undefined;
  const logger: Logger = {
    debug: noop,
    warn: noop,
    error: noop,
    info: (obj) => {
      const o = obj as { store?: string; from?: number; end?: number };
      if (o.store !== undefined && o.from !== undefined && o.end !== undefined) restores.push({ store: o.store, from: o.from, end: o.end });
    },
  };
  return { logger, restores };
}

const BOB_TASK = 'accountant-1';
const PAYMENT_TP = (partition: number) => ({ topic: TOPICS.payment, partition });

for (const mode of ['in-memory', 'rocksdb'] as const) {
  describe(`wallet: crash recovery (${mode} state)`, function () {
    this.timeout(30_000);
    let root: string | undefined;
    let driver: TopologyTestDriver;
    let recorder: ReturnType<typeof restoreRecorder>;
    let testNo = 0;

    before(() => {
      if (mode === 'rocksdb') root = mkdtempSync(join(tmpdir(), 'wallet-crash-recovery-'));
    });
    after(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });

    async function start(opts: DriverOptions = {}): Promise<TopologyTestDriver> {
      recorder = restoreRecorder();
      // A fresh state directory per driver: a new in-memory log must not meet the local state of an old one.
      const stateDir = root ? join(root, `t${++testNo}`) : undefined;
      driver = await TopologyTestDriver.create(wallet, { ...opts, stateDir, logger: recorder.logger });
      return driver;
    }
    afterEach(async () => {
      await driver?.close();
    });

    const pipe = (t: TransferRequest) => driver.inputTopic<string, TransferRequest>(TOPICS.transferRequest).pipe(t.request_id, t);

    it('the fixture: Bob and Alice are accountant-1, John, Carol and Dave accountant-0 (2 partitions)', () => {
      assert.equal(accountantOf('Bob', 2), BOB_TASK);
      assert.equal(accountantOf('Alice', 2), BOB_TASK);
      for (const a of ['John', 'Carol', 'Dave']) assert.equal(accountantOf(a, 2), 'accountant-0');
    });

    for (const point of POINTS) {
      it(`${BOB_TASK} dies at ${point} on a one-leg batch; after restart every balance is exact and no output is doubled`, async () => {
        await start();
        await pipe(transfer('r-a', 'Alice', 'Bob', '10.00'));
        await pipe(transfer('r-b', 'John', 'Bob', '2.50'));
        const offsetBefore = driver.log.committedOffset(`wallet-${BOB_TASK}`, PAYMENT_TP(1));
        assert.equal(offsetBefore, 3, 'accountant-1 consumed Alice -10, Bob +10, Bob +2.50');
        const balancesBefore = balanceRecords(driver).length;

        driver.failNext(BOB_TASK, point);
        await pipe(transfer('r-c', 'Carol', 'Bob', '1.25'));

        assert.equal(await isUp(driver, BOB_TASK), false, `${BOB_TASK} died at ${point}`);
        assert.equal(await isUp(driver, 'accountant-0'), true);
        const committed = COMMITTED_AT[point];
        assert.equal(driver.log.committedOffset(`wallet-${BOB_TASK}`, PAYMENT_TP(1)), committed ? 4 : 3, 'the source offset moves only with the transaction');
        // Carol's leg (accountant-0) always applies; Bob's only if the transaction went through before the crash.
        assert.equal(balanceRecords(driver).length, balancesBefore + 1 + (committed ? 1 : 0));

        recorder.restores.length = 0;
        await driver.restart(BOB_TASK);
        await driver.process();

        if (point === 'after-transaction') {
          // The disk write of the batch was lost: the restore replays exactly that batch's changelog records.
          assert.deepEqual(
            recorder.restores.map((r) => `${r.store} ${r.end - r.from}`).sort(),
            ['balance 1', 'payment-dedupe 1'],
            'replays the lost write batch: one balance, one id (the time index is local: rebuilt from the ids, never logged)',
          );
        } else {
          assert.deepEqual(recorder.restores, [], 'local state matches its checkpoint: nothing to replay');
        }

        const expected = { Alice: '-10.00', Bob: '13.75', Carol: '-1.25', John: '-2.50' };
        assert.deepEqual(latestBalances(driver), expected);
        assertNoDuplicateOutputs(driver, ['r-a', 'r-b', 'r-c']);
        assert.deepEqual(await balanceStore(driver, BOB_TASK), {
          Alice: { balance: '-10.00', version: 1, request_id: 'r-a' },
          Bob: { balance: '13.75', version: 3, request_id: 'r-c' },
        });

        // The restored store is the one later legs build on.
        await pipe(transfer('r-d', 'Bob', 'Dave', '0.75'));
        assert.deepEqual(latestBalances(driver), { ...expected, Bob: '13.00', Dave: '0.75' });
        assertNoDuplicateOutputs(driver, ['r-a', 'r-b', 'r-c', 'r-d']);
        assert.equal((await balanceStore(driver, BOB_TASK)).Bob.version, 4);
        assert.equal(driver.log.records('wallet-dead-letter').length, 0);
      });

      it(`${BOB_TASK} dies at ${point} on a batch of several legs (both legs of one transfer among them); recovery applies each once`, async () => {
        await start();
        await pipe(transfer('r-a', 'Alice', 'Bob', '10.00'));
        // accountant-1 is down while legs pile up, then dies in the batch that takes them all.
        await driver.crash(BOB_TASK);
        await pipe(transfer('r-b', 'Bob', 'Alice', '3.33')); // both legs on accountant-1
        await pipe(transfer('r-c', 'Carol', 'Bob', '0.01'));
        await pipe(transfer('r-d', 'Alice', 'Dave', '100.00'));
        await pipe(transfer('r-b', 'Bob', 'Alice', '3.33')); // a client retry, dropped by the payment task
        assert.equal(driver.log.endOffset(PAYMENT_TP(1)) - driver.log.committedOffset(`wallet-${BOB_TASK}`, PAYMENT_TP(1))!, 4);

        driver.failNext(BOB_TASK, point);
        await driver.restart(BOB_TASK);
        assert.equal(await isUp(driver, BOB_TASK), false, `${BOB_TASK} died at ${point}`);
        await driver.restart(BOB_TASK);
        await driver.process();

        const expected = { Alice: '-106.67', Bob: '6.68', Carol: '-0.01', Dave: '100.00' };
        assert.deepEqual(latestBalances(driver), expected);
        assert.ok(sum(Object.values(latestBalances(driver))).isZero());
        assertNoDuplicateOutputs(driver, ['r-a', 'r-b', 'r-c', 'r-d']);
        assert.deepEqual(await balanceStore(driver, BOB_TASK), {
          Alice: { balance: '-106.67', version: 3, request_id: 'r-d' },
          Bob: { balance: '6.68', version: 3, request_id: 'r-c' },
        });
      });
    }

    it('a payment task dying after its transaction does not re-emit legs when it restarts', async () => {
      await start();
      const id = 'r-pay';
      const task = paymentTaskOf(id, 2);
      driver.failNext(task, 'after-transaction');
      await pipe(transfer(id, 'John', 'Alice', '5.00'));
      assert.equal(await isUp(driver, task), false);
      assert.equal(paymentRecords(driver).length, 2, 'the legs were committed before the crash');
      await driver.restart(task);
      await pipe(transfer(id, 'John', 'Alice', '5.00')); // retried: the rebuilt dedupe store still knows the id
      assert.deepEqual(latestBalances(driver), { Alice: '5.00', John: '-5.00' });
      assertNoDuplicateOutputs(driver, [id]);
    });

    it('a wiped accountant rebuilds its stores from the changelog byte for byte, and carries on', async () => {
      await start({ maxBatchSize: 2 });
      const transfers = [
        transfer('w1', 'Alice', 'Bob', '1.10'),
        transfer('w2', 'Bob', 'Carol', '0.20'),
        transfer('w3', 'Dave', 'Alice', '30.03'),
        transfer('w4', 'Bob', 'Alice', '4.44'),
        transfer('w5', 'John', 'Bob', '0.05'),
      ];
      for (const t of transfers) await pipe(t);
      const balancesBefore = await balanceStore(driver, BOB_TASK);
      const dedupeBefore = await byteStore(driver, BOB_TASK, 'payment-dedupe');
      const timeIndexBefore = await byteStore(driver, BOB_TASK, 'payment-dedupe#by-time');
      const rawBalanceBefore = await byteStore(driver, BOB_TASK, 'balance');
      assert.equal(dedupeBefore.length, 7, 'seven legs on accountant-1: an id entry each');
      assert.equal(timeIndexBefore.length, 7, 'and a local time-index entry each');

      await driver.crash(BOB_TASK);
      await driver.wipeState(BOB_TASK);
      recorder.restores.length = 0;
      await driver.restart(BOB_TASK);

      assert.deepEqual(
        recorder.restores.map((r) => `${r.store} from ${r.from}`).sort(),
        ['balance from 0', 'payment-dedupe from 0'],
        'rebuilt from the start of each changelog',
      );
      assert.deepEqual(await balanceStore(driver, BOB_TASK), balancesBefore);
      assert.deepEqual(await byteStore(driver, BOB_TASK, 'balance'), rawBalanceBefore);
      assert.deepEqual(await byteStore(driver, BOB_TASK, 'payment-dedupe'), dedupeBefore);
      assert.deepEqual(await byteStore(driver, BOB_TASK, 'payment-dedupe#by-time'), timeIndexBefore, 'the time index is rebuilt from the ids');

      // Nothing was re-applied by the restart, and the rebuilt store is the base for what follows.
      const expected = { Alice: '33.37', Bob: '-3.49', Carol: '0.20', Dave: '-30.03', John: '-0.05' };
      assert.deepEqual(latestBalances(driver), expected);
      await pipe(transfer('w6', 'Alice', 'Bob', '3.49'));
      assert.deepEqual(latestBalances(driver), { ...expected, Alice: '29.88', Bob: '0.00' });
      assertNoDuplicateOutputs(driver, [...transfers.map((t) => t.request_id), 'w6']);
    });

    it('a wiped payment task rebuilds its dedupe store, so retries after the wipe are still dropped', async () => {
      await start();
      const ids = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
      for (const [i, id] of ids.entries()) await pipe(transfer(id, i % 2 ? 'John' : 'Carol', i % 2 ? 'Bob' : 'Dave', `${i + 1}.00`));
      const before: Record<string, Array<[string, string]>> = {};
      const indexBefore: Record<string, Array<[string, string]>> = {};
      for (const task of ['payment-0', 'payment-1']) before[task] = await byteStore(driver, task, 'transfer-dedupe');
      for (const task of ['payment-0', 'payment-1']) indexBefore[task] = await byteStore(driver, task, 'transfer-dedupe#by-time');
      assert.equal(before['payment-0'].length + before['payment-1'].length, ids.length);
      assert.equal(indexBefore['payment-0'].length + indexBefore['payment-1'].length, ids.length);

      for (const task of ['payment-0', 'payment-1']) {
        await driver.crash(task);
        await driver.wipeState(task);
        await driver.restart(task);
        assert.deepEqual(await byteStore(driver, task, 'transfer-dedupe'), before[task], `${task}: rebuilt identically`);
        assert.deepEqual(await byteStore(driver, task, 'transfer-dedupe#by-time'), indexBefore[task], `${task}: time index rebuilt identically`);
      }
      const latest = latestBalances(driver);
      for (const [i, id] of ids.entries()) await pipe(transfer(id, i % 2 ? 'John' : 'Carol', i % 2 ? 'Bob' : 'Dave', `${i + 1}.00`));
      assert.deepEqual(latestBalances(driver), latest);
      assertNoDuplicateOutputs(driver, ids);
    });

    it('a wipe after a crash between the transaction and the disk write loses nothing', async () => {
      await start();
      await pipe(transfer('x1', 'Alice', 'Bob', '7.00'));
      driver.failNext(BOB_TASK, 'after-transaction');
      await pipe(transfer('x2', 'Bob', 'Alice', '2.00'));
      assert.equal(await isUp(driver, BOB_TASK), false);
      await driver.wipeState(BOB_TASK);
      await driver.restart(BOB_TASK);
      assert.deepEqual(latestBalances(driver), { Alice: '-5.00', Bob: '5.00' });
      assert.deepEqual(await balanceStore(driver, BOB_TASK), {
        Alice: { balance: '-5.00', version: 2, request_id: 'x2' },
        Bob: { balance: '5.00', version: 2, request_id: 'x2' },
      });
      assertNoDuplicateOutputs(driver, ['x1', 'x2']);
    });
  });
}
