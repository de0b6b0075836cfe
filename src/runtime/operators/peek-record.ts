import { OperatorFunction } from 'rxjs';
import { PeekNode } from '../../dsl/nodes';
import { Envelope } from '../envelope';
import { callUser, onRecords } from './on-records';

export function peekRecord(node: PeekNode): OperatorFunction<Envelope, Envelope> {
  return onRecords(node.name, (record) => {
    callUser(node.name, record, () => node.fn(record));
    return [{ kind: 'record', record }];
  });
}
