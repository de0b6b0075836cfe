import { StreamsError, RecordOrigin, describeOrigin } from './streams-error';

/** Bytes that could not be decoded. Carries the record's origin (topic, partition, offset) when known. */
export class DeserializationError extends StreamsError {
  readonly origin?: RecordOrigin;
  constructor(message: string, options: { origin?: RecordOrigin; cause?: unknown; code?: string } = {}) {
    super(options.origin ? `${message} (record ${describeOrigin(options.origin)})` : message, {
      code: options.code ?? 'DESERIALIZATION_FAILED',
      cause: options.cause,
    });
    this.origin = options.origin;
  }
}

/** A value that could not be encoded, e.g. a field that does not fit the schema. `field` names it when known. */
export class SerializationError extends StreamsError {
  readonly field?: string;
  constructor(message: string, options: { field?: string; cause?: unknown; code?: string } = {}) {
    super(message, { code: options.code ?? 'SERIALIZATION_FAILED', cause: options.cause });
    this.field = options.field;
  }
}
