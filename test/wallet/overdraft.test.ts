/**
 * Overdraft protection in the driver: deposits, the sender's accountant deciding each transfer once, transfer
 * statuses, and the wallet without protection left as the original demo has it.
 */
import { strict as assert } from 'node:assert';
import Decimal from 'decimal.js';
import { TopologyTestDriver } from '../../src/testing';
import { TOPICS, buildWallet, wallet } from '../../topology/wallet/topology';
import { TransferRequest } from '../../topology/wallet/types';
import { sum } from './wallet-test-helpers';
import { balances, inputs, latest, legs, protectedWallet, statusHistory } from './overdraft-helpers';

describe('wallet: overdraft protection', () => {
  let driver: TopologyTestDriver | undefined;
  afterEach(async () => {
    await driver?.close();
    driver = undefined;
  });

  it('a transfer from an account without money is rejected, and changes no balance', async () => {
    const d = (driver = await TopologyTestDriver.create(protectedWallet()));
    await inputs(d).transfer('t1', 'Alice', 'Bob', '0.50');
    assert.deepEqual(statusHistory(d).get('t1'), ['PENDING', 'REJECTED:insufficient_funds']);
    assert.deepEqual(balances(d), [], 'no balance changed');
    assert.deepEqual(legs(d), [], 'no credit was emitted');
  });

  it('money enters by deposit; a transfer the sender can pay completes, the next it cannot is rejected', async () => {
    const d = (driver = await TopologyTestDriver.create(protectedWallet()));
    const { deposit, transfer } = inputs(d);
    await deposit('d1', 'Alice', '10.00');
    await transfer('t1', 'Alice', 'Bob', '6.00');
    await transfer('t2', 'Alice', 'Bob', '5.00');
    await transfer('t3', 'Alice', 'Carol', '4.00');
    assert.deepEqual(latest(d), { Alice: '0.00', Bob: '6.00', Carol: '4.00' });
    assert.deepEqual(Object.fromEntries(statusHistory(d)), {
      t1: ['PENDING', 'COMPLETED'],
      t2: ['PENDING', 'REJECTED:insufficient_funds'],
      t3: ['PENDING', 'COMPLETED'],
    });
    assert.ok(sum(Object.values(latest(d))).eq(10), 'sum of balances = sum of deposits');
    assert.ok(balances(d).every((b) => b.value.balance.gte(0)), 'no balance ever below zero');
  });

  it('a limit lets the sender go that far below zero, and no further', async () => {
    const d = (driver = await TopologyTestDriver.create(protectedWallet('1.00')));
    const { transfer } = inputs(d);
    await transfer('t1', 'Alice', 'Bob', '0.60');
    await transfer('t2', 'Alice', 'Bob', '0.50');
    await transfer('t3', 'Alice', 'Bob', '0.40');
    assert.deepEqual(latest(d), { Alice: '-1.00', Bob: '1.00' });
    assert.deepEqual(statusHistory(d).get('t2'), ['PENDING', 'REJECTED:insufficient_funds']);
  });

  it('two transfers that together exceed the balance, in one batch: exactly one completes', async () => {
    const d = (driver = await TopologyTestDriver.create(protectedWallet(), { partitions: 1 }));
    await inputs(d).deposit('d1', 'Alice', '10.00');
    // Both are on the log before the payment step runs, so they travel together: one batch, one debit decision each.
    await d.inputTopic<string, TransferRequest>(TOPICS.transferRequest).pipeAll([
      ['t1', { request_id: 't1', from: 'Alice', to: 'Bob', amount: new Decimal('7.00') }],
      ['t2', { request_id: 't2', from: 'Alice', to: 'Carol', amount: new Decimal('6.00') }],
    ]);
    const finals = [...statusHistory(d)].map(([id, h]) => `${id}:${h[h.length - 1]}`);
    assert.deepEqual(finals, ['t1:COMPLETED', 't2:REJECTED:insufficient_funds']);
    assert.deepEqual(latest(d), { Alice: '3.00', Bob: '7.00' });
  });

  it('retried transfers and deposits are applied once, with one status each', async () => {
    const d = (driver = await TopologyTestDriver.create(protectedWallet()));
    const { deposit, transfer } = inputs(d);
    await deposit('d1', 'Alice', '10.00');
    await deposit('d1', 'Alice', '10.00');
    await transfer('t1', 'Alice', 'Bob', '3.00');
    await transfer('t1', 'Alice', 'Bob', '3.00');
    assert.deepEqual(latest(d), { Alice: '7.00', Bob: '3.00' });
    assert.deepEqual(statusHistory(d).get('t1'), ['PENDING', 'COMPLETED']);
    assert.equal(legs(d).length, 2, 'one deposit leg and one credit');
  });

  it('a deposit that no valid producer can write is dead-lettered whole, and deposits go on', async () => {
    const d = (driver = await TopologyTestDriver.create(protectedWallet()));
    const { deposit } = inputs(d);
    await deposit('bad', 'Alice', '0.00');
    await deposit('d2', 'Alice', '2.00');
    assert.deepEqual(latest(d), { Alice: '2.00' });
    const dead = d.log.records('wallet-dead-letter');
    assert.equal(dead.length, 1);
    assert.equal(dead[0].key?.toString(), 'bad');
  });

  it('is refused with a clear error for a limit that is not an amount', () => {
    for (const limit of ['-1.00', 'abc', '0.001', 'Infinity']) {
      assert.throws(() => buildWallet({ overdraft: { limit } }), /overdraft limit must be/, limit);
    }
  });

  it('describes the decision as a split of the debit step into rejected and applied branches', () => {
    const text = protectedWallet().describe();
    assert.match(text, /Processor: debit \(stores: \[balance\]\)\n {6}--> debit-outcome\n {6}<-- debit-dedupe\n/);
    assert.match(text, /Processor: debit-outcome \(stores: \[\]\)\n {6}--> debit-outcome-applied, debit-outcome-rejected\n/);
    assert.match(text, /Source: deposit-requests \(topics: \[wallet.deposit_request\]\)/);
    assert.deepEqual(
      protectedWallet().topics().map((t) => `${t.name} ${t.cleanupPolicy}`).filter((t) => t.startsWith('wallet.')).sort(),
      ['wallet.balance compact', 'wallet.debit delete', 'wallet.deposit_request delete', 'wallet.payment delete', 'wallet.transfer_request delete', 'wallet.transfer_status compact'],
    );
  });

  it('without protection the wallet is the original demo: no deposits, statuses or debit topic, and balances may go below zero', async () => {
    assert.deepEqual(wallet.topics().map((t) => t.name).filter((t) => t.startsWith('wallet.')).sort(), ['wallet.balance', 'wallet.payment', 'wallet.transfer_request']);
    const d = (driver = await TopologyTestDriver.create(wallet));
    await inputs(d).transfer('t1', 'Alice', 'Bob', '0.50');
    assert.deepEqual(latest(d), { Alice: '-0.50', Bob: '0.50' });
  });
});
