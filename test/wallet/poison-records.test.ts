/**
 * Poison records: bytes that do not decode and transfers that decode but make no sense. Under the wallet's policy
 * they go to wallet-dead-letter with the error and their origin, in the batch's transaction, and the pipeline goes
 * on. Under `fail` the task stops on them and commits nothing of that batch.
 */
import { strict as assert } from 'node:assert';
import Decimal from 'decimal.js';
import { StreamsError } from '../../src/core/errors/streams-error';
import { LogRecord } from '../../src/core/records';
import { TopologyTestDriver } from '../../src/testing';
import { buildWallet, TOPICS, wallet } from '../../topology/wallet/topology';
import { paymentSerde, transferRequestSerde } from '../../topology/wallet/serdes';
import { Payment, TransferRequest } from '../../topology/wallet/types';
import { accountantOf, assertNoDuplicateOutputs, balanceRecords, isUp, latestBalances, paymentRecords, paymentTaskOf, sum, transfer } from './wallet-test-helpers';

const DEAD_LETTER = 'wallet-dead-letter';
const header = (r: LogRecord, name: string) => r.headers[name]?.toString('utf8');

/** Checks a dead letter against the record it stands for. */
function assertDeadLetterOf(dead: LogRecord, source: LogRecord, expected: { stage: string; node: string; code: string; message?: RegExp }) {
  assert.equal(header(dead, 'error.stage'), expected.stage);
  assert.equal(header(dead, 'error.node'), expected.node);
  assert.equal(header(dead, 'error.code'), expected.code);
  if (expected.message) assert.match(header(dead, 'error.message') ?? '', expected.message);
  assert.equal(header(dead, 'source.topic'), source.topic);
  assert.equal(header(dead, 'source.partition'), String(source.partition));
  assert.equal(header(dead, 'source.offset'), String(source.offset));
  assert.deepEqual(dead.key, source.key, 'the original key bytes');
  assert.deepEqual(dead.value, source.value, 'the original value bytes');
  assert.equal(dead.timestamp, source.timestamp);
  assert.equal(dead.partition, source.partition, 'dead letters stay in their source partition lane');
}

describe('wallet: poison records', () => {
  let driver: TopologyTestDriver;
  afterEach(() => driver?.close());

  const pipe = (t: TransferRequest) => driver.inputTopic<string, TransferRequest>(TOPICS.transferRequest).pipe(t.request_id, t);
  /** Pipes a request encoded with the real serde but without the DSL's help (so invalid content gets through). */
  const pipeEncoded = (t: TransferRequest) => driver.pipeRaw(TOPICS.transferRequest, Buffer.from(t.request_id, 'utf8'), transferRequestSerde.serialize(t, TOPICS.transferRequest));

  describe('under the wallet policy (dead letters)', () => {
    beforeEach(async () => {
      driver = await TopologyTestDriver.create(wallet);
    });

    it('garbage bytes go to wallet-dead-letter (stage deserialization, AVRO_BAD_MARKER) and a following transfer still applies', async () => {
      await pipe(transfer('ok-1', 'Alice', 'Bob', '1.00'));
      const poison = await driver.pipeRaw(TOPICS.transferRequest, Buffer.from('garbage-1'), Buffer.from('not avro'));
      const task = `payment-${poison.partition}`;
      assert.equal(await isUp(driver, task), true, 'the task goes on');

      const dead = driver.log.records(DEAD_LETTER);
      assert.equal(dead.length, 1);
      assertDeadLetterOf(dead[0], poison, { stage: 'deserialization', node: 'transfer-requests', code: 'AVRO_BAD_MARKER', message: new RegExp(`wallet\\.transfer_request\\[${poison.partition}\\]@${poison.offset}`) });
      assert.equal(dead[0].value!.toString(), 'not avro');
      assert.equal(
        driver.log.committedOffset(`wallet-${task}`, { topic: TOPICS.transferRequest, partition: poison.partition }),
        poison.offset + 1,
        'the poison record was consumed (committed with its dead letter)',
      );

      await pipe(transfer('ok-2', 'Bob', 'John', '0.40'));
      // A good transfer in the same partition as the poison one, after it.
      const samePartition = ['ok-3', 'ok-4', 'ok-5', 'ok-6'].find((id) => paymentTaskOf(id, 2) === task)!;
      await pipe(transfer(samePartition, 'Carol', 'Dave', '2.00'));
      assert.deepEqual(latestBalances(driver), { Alice: '-1.00', Bob: '0.60', Carol: '-2.00', Dave: '2.00', John: '0.40' });
      assertNoDuplicateOutputs(driver, ['ok-1', 'ok-2', samePartition]);
      assert.equal(driver.log.records(DEAD_LETTER).length, 1);
    });

    it('other undecodable values: truncated Avro (AVRO_DECODE_FAILED) and an empty value', async () => {
      const good = transferRequestSerde.serialize(transfer('t-1', 'Alice', 'Bob', '1.00'), TOPICS.transferRequest);
      const truncated = await driver.pipeRaw(TOPICS.transferRequest, Buffer.from('t-1'), good.subarray(0, good.length - 3));
      const empty = await driver.pipeRaw(TOPICS.transferRequest, Buffer.from('t-2'), Buffer.alloc(0));
      const dead = driver.log.records(DEAD_LETTER);
      assert.equal(dead.length, 2);
      const byOffset = (r: LogRecord) => dead.find((d) => header(d, 'source.offset') === String(r.offset) && header(d, 'source.partition') === String(r.partition))!;
      assertDeadLetterOf(byOffset(truncated), truncated, { stage: 'deserialization', node: 'transfer-requests', code: 'AVRO_DECODE_FAILED' });
      assertDeadLetterOf(byOffset(empty), empty, { stage: 'deserialization', node: 'transfer-requests', code: 'AVRO_BAD_MARKER' });
      assert.equal(paymentRecords(driver).length, 0);
      // The undecodable t-1 never reached the dedupe store: the real t-1 is still a new transfer.
      await pipe(transfer('t-1', 'Alice', 'Bob', '1.00'));
      assert.deepEqual(latestBalances(driver), { Alice: '-1.00', Bob: '1.00' });
    });

    for (const [what, bad, message] of [
      ['amount 0', transfer('bad-zero', 'Alice', 'Bob', '0'), /amount must be positive/],
      ['a negative amount', transfer('bad-neg', 'Alice', 'Bob', '-5.00'), /amount must be positive/],
      ['from == to', transfer('bad-self', 'Carol', 'Carol', '5.00'), /same account Carol/],
      ['an empty account', transfer('bad-empty', '', 'Carol', '5.00'), /from and to are required/],
    ] as const) {
      it(`a transfer with ${what} decodes but is refused: dead letter at stage processing, node split-legs; the next transfer applies`, async () => {
        await pipe(transfer('before', 'John', 'Dave', '0.10'));
        const poison = await pipeEncoded(bad);
        const dead = driver.log.records(DEAD_LETTER);
        assert.equal(dead.length, 1);
        assertDeadLetterOf(dead[0], poison, { stage: 'processing', node: 'split-legs', code: 'PROCESSING_FAILED', message });
        assert.deepEqual(transferRequestSerde.deserialize(dead[0].value!, TOPICS.transferRequest).amount.toString(), new Decimal(bad.amount).toString());
        assert.equal(paymentRecords(driver).filter((p) => p.value.request_id === bad.request_id).length, 0, 'no leg of the refused transfer');

        await pipe(transfer('after', 'Dave', 'Alice', '0.05'));
        assert.deepEqual(latestBalances(driver), { Alice: '0.05', Dave: '0.05', John: '-0.10' });
        assertNoDuplicateOutputs(driver, ['before', 'after']);
      });
    }

    it('a poison record in the middle of a multi-record batch: the good records around it commit with its dead letter', async () => {
      await driver.close();
      driver = await TopologyTestDriver.create(wallet, { maxBatchSize: 10 });
      const ids = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'].filter((id) => paymentTaskOf(id, 2) === 'payment-0');
      assert.ok(ids.length >= 2, 'fixture: two ids on payment-0');
      const key = ['g1', 'g2', 'g3', 'g4'].find((k) => paymentTaskOf(k, 2) === 'payment-0')!;
      await driver.crash('payment-0');
      await pipe(transfer(ids[0], 'Alice', 'John', '1.00'));
      const poison = await driver.pipeRaw(TOPICS.transferRequest, Buffer.from(key), Buffer.from('not avro'));
      await pipe(transfer(ids[1], 'John', 'Alice', '0.25'));
      await driver.restart('payment-0'); // one batch of three
      assert.deepEqual(latestBalances(driver), { Alice: '-0.75', John: '0.75' });
      assert.equal(driver.log.records(DEAD_LETTER).length, 1);
      assertDeadLetterOf(driver.log.records(DEAD_LETTER)[0], poison, { stage: 'deserialization', node: 'transfer-requests', code: 'AVRO_BAD_MARKER' });
      assert.equal(driver.log.committedOffset('wallet-payment-0', { topic: TOPICS.transferRequest, partition: 0 }), poison.offset + 2);
    });
  });

  describe('money never splits: a transfer is refused whole, or an accountant stops', () => {
    beforeEach(async () => {
      driver = await TopologyTestDriver.create(wallet);
    });
    const leg = (p: Payment) => driver.pipeRaw(TOPICS.payment, Buffer.from(p.account, 'utf8'), paymentSerde.serialize(p, TOPICS.payment));
    const isDown = async (task: string) => !(await isUp(driver, task));

    it('two transfers of 9e15 into one account are refused by the payment step, before splitting; the books balance', async () => {
      await pipe(transfer('small', 'Alice', 'Bob', '1.00'));
      const first = await pipeEncoded(transfer('huge-1', 'Carol', 'Bob', '9000000000000000.00'));
      const second = await pipeEncoded(transfer('huge-2', 'Dave', 'Bob', '9000000000000000.00'));
      const dead = driver.log.records(DEAD_LETTER);
      assert.equal(dead.length, 2, 'both requests, whole');
      assertDeadLetterOf(dead.find((d) => header(d, 'source.offset') === String(first.offset) && d.partition === first.partition)!, first, { stage: 'processing', node: 'split-legs', code: 'PROCESSING_FAILED', message: /at most 1000000000\.00/ });
      assertDeadLetterOf(dead.find((d) => header(d, 'source.offset') === String(second.offset) && d.partition === second.partition)!, second, { stage: 'processing', node: 'split-legs', code: 'PROCESSING_FAILED', message: /at most 1000000000\.00/ });
      assert.ok(dead.every((d) => header(d, 'source.topic') === TOPICS.transferRequest), 'no leg is ever a dead letter');
      assert.deepEqual(latestBalances(driver), { Alice: '-1.00', Bob: '1.00' });
      assert.ok(sum(Object.values(latestBalances(driver))).isZero());
    });

    it('a balance that would overflow decimal(18,2) stops its accountant: nothing of the batch is committed, no leg is dead-lettered', async () => {
      // Legs written by something other than our payment step (an old producer, a replay tool): no bound was checked.
      await leg({ request_id: 'o-1', account: 'Bob', direction: 'INCOMING', amount: new Decimal('9000000000000000.00'), emission: '0:0' });
      const task = accountantOf('Bob', 2);
      const tp = { topic: TOPICS.payment, partition: Number(task.split('-')[1]) };
      const committed = driver.log.committedOffset(`wallet-${task}`, tp);
      await assert.rejects(leg({ request_id: 'o-2', account: 'Bob', direction: 'INCOMING', amount: new Decimal('9000000000000000.00'), emission: '0:1' }), (err: unknown) => {
        assert.ok(err instanceof StreamsError, String(err));
        assert.match(err.message, /balance/);
        return true;
      });
      assert.equal(await isDown(task), true, 'the accountant stopped');
      assert.equal(driver.log.committedOffset(`wallet-${task}`, tp), committed, 'the leg was not consumed');
      assert.equal(driver.log.records(DEAD_LETTER).length, 0, 'no dead letter');
      assert.equal(latestBalances(driver).Bob, '9000000000000000.00');
    });

    it('a leg in a schema the accountant does not know (a rolling upgrade) stops the accountant instead of dropping the leg', async () => {
      const unknown = paymentSerde.serialize({ request_id: 'u-1', account: 'Alice', direction: 'INCOMING', amount: new Decimal('1.00'), emission: '0:0' }, TOPICS.payment);
      unknown.fill(0x7a, 2, 10); // another writer schema's fingerprint
      const task = accountantOf('Alice', 2);
      await assert.rejects(driver.pipeRaw(TOPICS.payment, Buffer.from('Alice', 'utf8'), unknown), (err: unknown) => {
        assert.ok(err instanceof StreamsError, String(err));
        assert.equal(err.code, 'AVRO_UNKNOWN_SCHEMA');
        return true;
      });
      assert.equal(await isDown(task), true);
      assert.equal(driver.log.records(DEAD_LETTER).length, 0);
      // It stops again at every restart until it is upgraded: the leg is never skipped.
      await assert.rejects(driver.restart(task), /unknown Avro writer schema/);
      assert.deepEqual(latestBalances(driver), {});
    });
  });

  describe("under errors: { deserialization: 'fail' }", () => {
    beforeEach(async () => {
      driver = await TopologyTestDriver.create(buildWallet({ errors: { deserialization: 'fail' } }));
    });

    it('pipeRaw of garbage rejects with an error naming topic, partition and offset; nothing of the batch is committed', async () => {
      await pipe(transfer('ok-1', 'Alice', 'Bob', '1.00'));
      const key = Buffer.from('garbage');
      const partition = paymentTaskOf('garbage', 2) === 'payment-0' ? 0 : 1;
      const task = `payment-${partition}`;
      const group = `wallet-${task}`;
      const tp = { topic: TOPICS.transferRequest, partition };
      const offset = driver.log.endOffset(tp);
      const committedBefore = driver.log.committedOffset(group, tp);
      const balancesBefore = balanceRecords(driver).length;
      const paymentsBefore = paymentRecords(driver).length;

      await assert.rejects(driver.pipeRaw(TOPICS.transferRequest, key, Buffer.from('not avro')), (err: unknown) => {
        assert.ok(err instanceof StreamsError, String(err));
        assert.equal(err.code, 'AVRO_BAD_MARKER');
        assert.match(err.message, new RegExp(`wallet\\.transfer_request\\[${partition}\\]@${offset}`), 'names topic, partition and offset');
        return true;
      });

      assert.equal(await isUp(driver, task), false, 'the task stopped');
      assert.equal(driver.log.committedOffset(group, tp), committedBefore, 'the committed offset did not move');
      assert.equal(balanceRecords(driver).length, balancesBefore, 'wallet.balance unchanged');
      assert.equal(paymentRecords(driver).length, paymentsBefore, 'wallet.payment unchanged');
      assert.equal(driver.log.records(DEAD_LETTER).length, 0, 'no dead letter under fail');
      assert.deepEqual(latestBalances(driver), { Alice: '-1.00', Bob: '1.00' });

      // The record is not skipped: the task stops on it again at every restart.
      await assert.rejects(driver.restart(task), /wallet\.transfer_request/);
      assert.equal(driver.log.committedOffset(group, tp), committedBefore);
    });

    it('a good transfer batched before the poison record is not committed either (all or nothing)', async () => {
      await driver.close();
      driver = await TopologyTestDriver.create(buildWallet({ errors: { deserialization: 'fail' } }), { maxBatchSize: 10 });
      const goodId = ['f1', 'f2', 'f3', 'f4'].find((id) => paymentTaskOf(id, 2) === 'payment-1')!;
      const badKey = ['b1', 'b2', 'b3', 'b4'].find((id) => paymentTaskOf(id, 2) === 'payment-1')!;
      const tp = { topic: TOPICS.transferRequest, partition: 1 };
      await driver.crash('payment-1');
      await pipe(transfer(goodId, 'Carol', 'John', '4.00'));
      await driver.pipeRaw(TOPICS.transferRequest, Buffer.from(badKey), Buffer.from('not avro'));

      await assert.rejects(driver.restart('payment-1'), /wallet\.transfer_request\[1\]@1/);
      assert.equal(driver.log.committedOffset('wallet-payment-1', tp), undefined, 'nothing was ever committed by payment-1');
      assert.equal(paymentRecords(driver).length, 0);
      assert.equal(balanceRecords(driver).length, 0);
      // The dedupe store's changes of the failed batch (the good id) never reached the changelog either.
      assert.deepEqual(driver.log.records('wallet-transfer-dedupe-changelog').filter((r) => r.partition === 1), []);
    });

    it('a refused transfer is still a dead letter: only the deserialization policy was changed', async () => {
      const poison = await pipeEncoded(transfer('bad', 'Bob', 'Bob', '1.00'));
      assertDeadLetterOf(driver.log.records(DEAD_LETTER)[0], poison, { stage: 'processing', node: 'split-legs', code: 'PROCESSING_FAILED' });
      await pipe(transfer('good', 'Bob', 'Alice', '1.00'));
      assert.deepEqual(latestBalances(driver), { Alice: '1.00', Bob: '-1.00' });
    });
  });
});
