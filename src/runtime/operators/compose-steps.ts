import { Envelope } from '../envelope';
import { BatchStep } from './batch-kit';

/** Chains batch operators; awaits only where an operator returned a promise (the stateless ones never do). */
export function composeSteps(steps: BatchStep[]): BatchStep {
  const runFrom = (start: number, batch: Envelope[]): Envelope[] | Promise<Envelope[]> => {
    let current = batch;
    for (let i = start; i < steps.length; i++) {
      const next = steps[i](current);
      if (next instanceof Promise) return next.then((resolved) => runFrom(i + 1, resolved));
      current = next;
    }
    return current;
  };
  return (batch) => runFrom(0, batch);
}
