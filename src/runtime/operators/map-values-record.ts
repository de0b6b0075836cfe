import { OperatorFunction } from 'rxjs';
import { MapValuesNode } from '../../dsl/nodes';
import { Envelope } from '../envelope';
import { callUser, derive, onRecords } from './on-records';

export function mapValuesRecord(node: MapValuesNode): OperatorFunction<Envelope, Envelope> {
  return onRecords(node.name, (record) => [derive(record, record.key, callUser(node.name, record, () => node.fn(record.value, record)))]);
}
