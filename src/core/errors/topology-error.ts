import { StreamsError } from './streams-error';

/** A topology that cannot run as written. `node` names the offending node (or topic) so the fix is obvious. */
export class TopologyError extends StreamsError {
  readonly node: string;
  constructor(message: string, node: string, code = 'TOPOLOGY_INVALID') {
    super(message, { code });
    this.node = node;
  }
}
