import { strict as assert } from 'node:assert';
import { murmur2, partitionForKey } from '../../src/runtime/murmur2';

describe('murmur2', () => {
  // Vectors from Apache Kafka's own UtilsTest (computed by the Java client).
  const vectors: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [input, expected] of vectors) {
    it(`hashes "${input}" like the Java client`, () => {
      assert.equal(murmur2(Buffer.from(input, 'utf8')), expected);
    });
  }

  it('partitions the seed accounts like the Java client with 2 partitions', () => {
    const p = (s: string) => partitionForKey(Buffer.from(s), 2);
    assert.deepEqual([p('Alice'), p('Bob'), p('John'), p('Carol')], [1, 1, 0, 0]);
  });
});
