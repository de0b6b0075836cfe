import { OperatorFunction, concat, concatMap, of } from 'rxjs';
import { Envelope } from '../envelope';

/**
 * A node with several children: each record visits the branches one after another, in the order they were attached
 * (deterministic, so the transaction's output order is reproducible). Outputs and failures are not copied.
 */
export function fanOut(branches: Array<OperatorFunction<Envelope, Envelope>>): OperatorFunction<Envelope, Envelope> {
  return concatMap((env: Envelope) => (env.kind === 'record' ? concat(...branches.map((branch) => of(env).pipe(branch))) : [env]));
}
