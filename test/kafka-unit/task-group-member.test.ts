import { strict as assert } from 'node:assert';
import { activeTasksOf } from '../../src/kafka/task-group-member';
import { sourcePartitionsOf } from '../../src/kafka/task-group-assigner';
import { buildWallet } from '../../topology/wallet/topology';

describe('group-managed tasks: from partitions to tasks and back', () => {
  const wallet = buildWallet({ overdraft: { limit: '0.00' } });

  it('a task is all source partitions p of its sub-topology (two sources for the protected accountant)', () => {
    assert.deepEqual(sourcePartitionsOf(wallet, 'accountant-1', 2), [
      { topic: 'wallet.payment', partition: 1 },
      { topic: 'wallet.debit', partition: 1 },
    ]);
    assert.deepEqual(sourcePartitionsOf(wallet, 'payment-0', 2), [
      { topic: 'wallet.transfer_request', partition: 0 },
      { topic: 'wallet.deposit_request', partition: 0 },
    ]);
  });

  it('the partitions a member got name its active tasks', () => {
    const partitions = { 'wallet.transfer_request': [1], 'wallet.deposit_request': [1], 'wallet.payment': [0, 1], 'wallet.debit': [0, 1] };
    assert.deepEqual(activeTasksOf(wallet, partitions), ['payment-1', 'accountant-0', 'accountant-1']);
    assert.deepEqual(activeTasksOf(wallet, {}), []);
  });
});
