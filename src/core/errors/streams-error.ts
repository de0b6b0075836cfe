/**
 * The one error root of the library. Every error the library raises carries a machine-readable `code` and says
 * whether retrying the same operation can succeed (`retriable`), in the manner of kafkajs' KafkaJSError.
 */
export class StreamsError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(message: string, options: { code: string; retriable?: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.retriable = options.retriable ?? false;
  }
}

/** Where a record came from: every record-level error names it, so an operator can find the bytes. */
export interface RecordOrigin {
  topic: string;
  partition: number;
  offset: number;
}

export function describeOrigin(origin: RecordOrigin): string {
  return `${origin.topic}[${origin.partition}]@${origin.offset}`;
}
