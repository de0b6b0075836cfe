import { StreamsError, RecordOrigin, describeOrigin } from './streams-error';

/** A user function (map, filter, aggregate, ...) threw while processing one record. */
export class ProcessingError extends StreamsError {
  readonly origin: RecordOrigin;
  readonly node: string;
  constructor(node: string, origin: RecordOrigin, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`node '${node}' failed on record ${describeOrigin(origin)}: ${reason}`, { code: 'PROCESSING_FAILED', cause });
    this.origin = origin;
    this.node = node;
  }
}
