import { strict as assert } from 'node:assert';
import { fanOutBatch } from '../../../src/runtime/operators/fan-out-batch';
import { BatchStep } from '../../../src/runtime/operators/batch-kit';
import { Envelope } from '../../../src/runtime/envelope';
import { rec, shape } from './support';

const tag = (name: string, calls: string[]): BatchStep => (batch) =>
  batch.map((e) => {
    if (e.kind !== 'record') return e;
    calls.push(`${name}${e.seq}`);
    return { ...e, record: { ...e.record, value: `${name}${e.record.value}` } };
  });

describe('fanOutBatch', () => {
  it('merges the branches back into record order, branch by branch for one record', async () => {
    const calls: string[] = [];
    const out = await fanOutBatch([tag('a', calls), tag('b', calls)])([rec(0, 'x'), rec(1, 'y')]);
    assert.deepEqual(shape(out), ['0:ax', '0:bx', '1:ay', '1:by']);
    assert.deepEqual(calls, ['a0', 'a1', 'b0', 'b1'], 'batch-wise: each branch sees the whole batch in turn');
  });

  it('passes outputs and failures that reach it on once, in their place', async () => {
    const output: Envelope = { kind: 'output', seq: 1, output: { topic: 'o', partition: 0, timestamp: 0, key: null, value: null } };
    const out = await fanOutBatch([tag('a', []), tag('b', [])])([rec(0, 'x'), output, rec(2, 'z')]);
    assert.deepEqual(shape(out), ['0:ax', '0:bx', '1:out', '2:az', '2:bz']);
  });

  it('with shared state runs each record through every branch before the next record', async () => {
    const calls: string[] = [];
    const out = await fanOutBatch([tag('a', calls), tag('b', calls)], { sharedState: true })([rec(0, 'x'), rec(1, 'y')]);
    assert.deepEqual(shape(out), ['0:ax', '0:bx', '1:ay', '1:by']);
    assert.deepEqual(calls, ['a0', 'b0', 'a1', 'b1'], 'depth-first');
  });
});
