import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { groupMessagesPerPartition } from '../../src/kafka/kafkajs-fixes';

describe('kafkajs fixes: groupMessagesPerPartition', () => {
  it('groups like kafkajs does (every message under its partition, in order)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 200 }), (partitions) => {
        const messages = partitions.map((partition, i) => ({ partition, value: i }));
        const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}], messages, partitioner: ({ message }) => (message as { partition: number }).partition });
        const expected: Record<number, unknown[]> = {};
        for (const m of messages) expected[m.partition] = [...(expected[m.partition] ?? []), m];
        assert.deepEqual(grouped, expected);
      }),
    );
    assert.deepEqual(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages: [{}], partitioner: () => 0 }), {}, 'no metadata: nothing, as kafkajs answers');
  });
});
