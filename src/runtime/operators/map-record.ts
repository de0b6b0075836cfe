import { OperatorFunction } from 'rxjs';
import { MapNode } from '../../dsl/nodes';
import { Envelope } from '../envelope';
import { callUser, derive, onRecords } from './on-records';

export function mapRecord(node: MapNode): OperatorFunction<Envelope, Envelope> {
  return onRecords(node.name, (record) => {
    const kv = callUser(node.name, record, () => node.fn(record));
    return [derive(record, kv.key, kv.value)];
  });
}
