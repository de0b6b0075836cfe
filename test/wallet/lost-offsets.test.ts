/**
 * Committed offsets can vanish under a running application: Kafka expires a group's offsets
 * `offsets.retention.minutes` after its last commit (7 days) when the group has no members, and anyone can reset or
 * delete them. A task must not then reprocess its input from the start: records older than the dedupe window would
 * pay again. The task's checkpoint knows how far it got; a committed offset that is missing or behind it is refused.
 */
import { strict as assert } from 'node:assert';
import { StreamsError } from '../../src/core/errors/streams-error';
import { TopologyTestDriver } from '../../src/testing';
import { TOPICS, wallet } from '../../topology/wallet/topology';
import { TransferRequest } from '../../topology/wallet/types';
import { accountantOf, isUp, latestBalances, paymentTaskOf, restartAllDown, transfer } from './wallet-test-helpers';

describe('wallet: lost or rewound committed offsets', () => {
  let driver: TopologyTestDriver;
  beforeEach(async () => {
    driver = await TopologyTestDriver.create(wallet);
  });
  afterEach(() => driver.close());

  const pipe = (t: TransferRequest) => driver.inputTopic<string, TransferRequest>(TOPICS.transferRequest).pipe(t.request_id, t);
  const task = paymentTaskOf('lost-1', 2);
  const group = `wallet-${task}`;
  const tp = { topic: TOPICS.transferRequest, partition: Number(task.split('-')[1]) };

  async function history() {
    await pipe(transfer('lost-1', 'Alice', 'Bob', '5.00'));
    driver.advanceTime('8d');
    // A second request through the same payment task, 8 days later: the first id is past its window now.
    const second = ['lost-2', 'lost-3', 'lost-4', 'lost-5'].find((id) => paymentTaskOf(id, 2) === task)!;
    await pipe(transfer(second, 'Alice', 'Carol', '1.00'));
    assert.deepEqual(latestBalances(driver), { Alice: '-6.00', Bob: '5.00', Carol: '1.00' });
  }

  const isOffsetsLost = (err: unknown) => {
    assert.ok(err instanceof StreamsError, String(err));
    assert.equal(err.code, 'OFFSETS_LOST');
    assert.match(err.message, new RegExp(`${TOPICS.transferRequest.replace('.', '\\.')}-${tp.partition}`));
    assert.match(err.message, /checkpoint/);
    assert.equal(err.retriable, false);
    return true;
  };

  it('a task whose group offsets expired refuses to start instead of replaying its input', async () => {
    await history();
    driver.log.deleteGroupOffsets(group); // what offset expiry (or `kafka-consumer-groups --delete-offsets`) does
    await assert.rejects(driver.restart(task), isOffsetsLost);
    assert.deepEqual(latestBalances(driver), { Alice: '-6.00', Bob: '5.00', Carol: '1.00' }, 'nothing paid twice');
  });

  it('a group reset behind the checkpoint is refused the same way', async () => {
    await history();
    driver.log.setCommittedOffset(group, tp, 0);
    await assert.rejects(driver.restart(task), isOffsetsLost);
    assert.deepEqual(latestBalances(driver), { Alice: '-6.00', Bob: '5.00', Carol: '1.00' });
  });

  it('resetting to the checkpoint is the deliberate way on: the task resumes where its state says', async () => {
    await history();
    driver.log.deleteGroupOffsets(group);
    await driver.restart(task, { resetOffsets: 'to-checkpoint' });
    await pipe(transfer('lost-9', 'Bob', 'Alice', '0.50'));
    assert.deepEqual(latestBalances(driver), { Alice: '-5.50', Bob: '4.50', Carol: '1.00' });
  });

  it('an idle task re-commits its offsets, so they do not expire while it runs', async () => {
    await history();
    const committed = driver.log.committedOffset(group, tp);
    const before = driver.log.offsetCommits(group);
    driver.advanceTime('2d');
    await driver.process();
    assert.ok(driver.log.offsetCommits(group) > before, 'the idle task committed its offsets again');
    assert.equal(driver.log.committedOffset(group, tp), committed, 'at the same position');
  });
  it("the idle re-commit is not a batch: a fault injected for the task's next batch waits for one", async () => {
    await history();
    driver.failNext(task, 'before-transaction');
    driver.advanceTime('2d');
    await driver.process(); // re-commits the idle task's offsets
    assert.equal(await isUp(driver, task), true);
    await pipe(transfer('lost-7', 'Bob', 'Carol', '0.25')); // the fault fires here, if on this task's partition
    await restartAllDown(driver);
    assert.equal(latestBalances(driver).Carol, '1.25', 'the transfer applied once, fault or not');
  });

  describe('offsets outside the log', () => {
    const accountant = accountantOf('Bob', 2);
    const payTp = { topic: TOPICS.payment, partition: Number(accountant.split('-')[1]) };
    const isRefused = (code: string, pattern: RegExp) => (err: unknown) => {
      assert.ok(err instanceof StreamsError, String(err));
      assert.equal(err.code, code);
      assert.match(err.message, pattern);
      return true;
    };

    it('an accountant whose unread legs were deleted by retention refuses to skip them', async () => {
      await pipe(transfer('gap-1', 'Alice', 'Bob', '1.00'));
      await driver.crash(accountant);
      await pipe(transfer('gap-2', 'Alice', 'Bob', '2.00'));
      await pipe(transfer('gap-3', 'Alice', 'Bob', '3.00'));
      const end = driver.log.endOffset(payTp);
      driver.log.deleteRecordsBefore(payTp, end - 1); // retention deleted legs the accountant never read
      await assert.rejects(driver.restart(accountant), isRefused('RECORDS_LOST', new RegExp(`${TOPICS.payment.replace('.', '\\.')}-${payTp.partition}.*deleted`)));
      // Alice and Bob share this accountant: only the first transfer is applied, nothing past the gap.
      assert.deepEqual(latestBalances(driver), { Alice: '-1.00', Bob: '1.00' }, 'nothing applied past the gap');
      // The deliberate way on accepts the loss: only the one leg still in the log applies (and the books no longer
      // balance, which is why it is refused by default).
      await driver.restart(accountant, { resetOffsets: 'earliest' });
      assert.deepEqual(latestBalances(driver), { Alice: '-1.00', Bob: '4.00' }, 'only the legs still in the log apply');
    });

    it('a committed offset beyond the end of the log (a recreated topic) is refused, not filtered', async () => {
      await pipe(transfer('end-1', 'Alice', 'Bob', '1.00'));
      const group = `wallet-${accountant}`;
      driver.log.setCommittedOffset(group, payTp, driver.log.endOffset(payTp) + 5);
      await assert.rejects(driver.restart(accountant), isRefused('OFFSETS_BEYOND_END', /recreated|truncated/));
    });
  });
});
