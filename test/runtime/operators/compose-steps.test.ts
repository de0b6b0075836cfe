import { strict as assert } from 'node:assert';
import { composeSteps } from '../../../src/runtime/operators/compose-steps';
import { BatchStep } from '../../../src/runtime/operators/batch-kit';
import { rec, shape } from './support';

const append = (s: string): BatchStep => (batch) => batch.map((e) => (e.kind === 'record' ? { ...e, record: { ...e.record, value: `${e.record.value}${s}` } } : e));

describe('composeSteps', () => {
  it('runs the steps in order and stays synchronous while every step is', () => {
    const out = composeSteps([append('1'), append('2')])([rec(0, 'v')]);
    assert.ok(Array.isArray(out), 'no promise when no step returned one');
    assert.deepEqual(shape(out), ['0:v12']);
  });

  it('awaits a step that returns a promise, then goes on with the rest', async () => {
    const later: BatchStep = async (batch) => append('2')(batch);
    const out = composeSteps([append('1'), later, append('3')])([rec(0, 'v')]);
    assert.ok(out instanceof Promise);
    assert.deepEqual(shape(await out), ['0:v123']);
  });
});
