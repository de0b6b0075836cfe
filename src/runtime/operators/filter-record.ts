import { OperatorFunction } from 'rxjs';
import { FilterNode } from '../../dsl/nodes';
import { Envelope } from '../envelope';
import { callUser, onRecords } from './on-records';

export function filterRecord(node: FilterNode): OperatorFunction<Envelope, Envelope> {
  return onRecords(node.name, (record) => (callUser(node.name, record, () => node.fn(record)) ? [{ kind: 'record', record }] : []));
}
