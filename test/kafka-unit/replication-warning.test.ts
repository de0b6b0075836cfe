import { strict as assert } from 'node:assert';
import { replicationWarning } from '../../src/kafka/topic-admin';

describe('topics create: the replication-factor warning', () => {
  it('warns for one replica on a cluster of several brokers, naming the counts and what to use instead', () => {
    assert.equal(
      replicationWarning(3, 1),
      'warning: topics are created with replication factor 1 on a cluster of 3 brokers: losing one broker loses the records of every partition it holds; use --replication-factor 3 (and min.insync.replicas 2)',
    );
    assert.match(replicationWarning(2, 1)!, /use --replication-factor 2 \(and min\.insync\.replicas 2\)/);
  });

  it('says nothing on a single broker, or with more than one replica', () => {
    assert.equal(replicationWarning(1, 1), undefined);
    assert.equal(replicationWarning(5, 3), undefined);
  });
});
