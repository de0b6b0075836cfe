import { OperatorFunction } from 'rxjs';
import { FlatMapNode } from '../../dsl/nodes';
import { Envelope } from '../envelope';
import { callUser, derive, onRecords } from './on-records';

export function flatMapRecord(node: FlatMapNode): OperatorFunction<Envelope, Envelope> {
  return onRecords(node.name, (record) => {
    // Materialize inside callUser: a generator's errors surface while iterating.
    const pairs = callUser(node.name, record, () => [...node.fn(record)]);
    return pairs.map((kv) => derive(record, kv.key, kv.value));
  });
}
