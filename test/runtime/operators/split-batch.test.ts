import { strict as assert } from 'node:assert';
import { SplitNode } from '../../../src/dsl/nodes';
import { splitBatch } from '../../../src/runtime/operators/split-batch';
import { BatchStep } from '../../../src/runtime/operators/batch-kit';
import { Envelope } from '../../../src/runtime/envelope';
import { rec, shape } from './support';

const tag = (name: string, calls: string[]): BatchStep => (batch) =>
  batch.map((e) => {
    if (e.kind !== 'record') return e;
    calls.push(`${name}${e.seq}`);
    return { ...e, record: { ...e.record, value: `${name}${e.record.value}` } };
  });

const split = (...predicates: SplitNode['predicates']): SplitNode => ({ kind: 'split', name: 'route', subTopology: 's', children: [], stores: [], predicates });
const isNumber = (r: { value: unknown }) => /^\d+$/.test(String(r.value));
const isShort = (r: { value: unknown }) => String(r.value).length <= 2;

describe('splitBatch', () => {
  it('sends each record to the first branch whose predicate holds, never to two', async () => {
    const out = await splitBatch(split(isNumber, isShort, undefined), [tag('n', []), tag('s', []), tag('d', [])])([rec(0, '12'), rec(1, 'ab'), rec(2, 'long'), rec(3, '12345')]);
    assert.deepEqual(shape(out), ['0:n12', '1:sab', '2:dlong', '3:n12345']);
  });

  it('drops a record no branch takes when there is no default branch', async () => {
    const out = await splitBatch(split(isNumber), [tag('n', [])])([rec(0, 'x'), rec(1, '7'), rec(2, 'y')]);
    assert.deepEqual(shape(out), ['1:n7']);
  });

  it('runs each branch once per batch over its own records and merges them back into record order', async () => {
    const calls: string[] = [];
    const out = await splitBatch(split(isNumber, undefined), [tag('n', calls), tag('d', calls)])([rec(0, 'a'), rec(1, '1'), rec(2, 'b'), rec(3, '2')]);
    assert.deepEqual(shape(out), ['0:da', '1:n1', '2:db', '3:n2']);
    assert.deepEqual(calls, ['n1', 'n3', 'd0', 'd2'], 'batch-wise: a branch sees its whole group at once');
  });

  it('makes a record whose predicate throws a failure in its place, and routes the others', async () => {
    const boom = (r: { value: unknown }) => {
      if (r.value === 'bad') throw new Error('cannot classify');
      return true;
    };
    const out = await splitBatch(split(boom), [tag('a', [])])([rec(0, 'x'), rec(1, 'bad'), rec(2, 'y')]);
    assert.deepEqual(shape(out), ['0:ax', '1:fail', '2:ay']);
    const failure = out[1] as Extract<Envelope, { kind: 'failure' }>;
    assert.equal(failure.node, 'route');
    assert.match(String(failure.error.message), /cannot classify/);
  });

  it('passes outputs that reach it on once, in their place', async () => {
    const output: Envelope = { kind: 'output', seq: 1, output: { topic: 'o', partition: 0, timestamp: 0, key: null, value: null } };
    const out = await splitBatch(split(isNumber, undefined), [tag('n', []), tag('d', [])])([rec(0, '1'), output, rec(2, 'z')]);
    assert.deepEqual(shape(out), ['0:n1', '1:out', '2:dz']);
  });

  it('with shared state routes and runs one record at a time', async () => {
    const calls: string[] = [];
    const out = await splitBatch(split(isNumber, undefined), [tag('n', calls), tag('d', calls)], { sharedState: true })([rec(0, 'a'), rec(1, '1'), rec(2, 'b')]);
    assert.deepEqual(shape(out), ['0:da', '1:n1', '2:db']);
    assert.deepEqual(calls, ['d0', 'n1', 'd2'], 'depth-first');
  });
});
