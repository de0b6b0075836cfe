import { DeserializationError } from '../core/errors';

/**
 * The Confluent wire format, which most Kafka tools expect of a value with a schema registry behind it: a magic byte
 * 0, the writer schema's registry id as a 4-byte big-endian unsigned integer, then the Avro binary datum.
 */
export const CONFLUENT_MAGIC_BYTE = 0;
export const CONFLUENT_HEADER_LENGTH = 5;

/** The 5-byte header for a schema id; serdes build it once per topic and prepend it to every body. */
export function confluentHeader(schemaId: number): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff) throw new RangeError(`schema id ${schemaId} is not a 32-bit unsigned integer`);
  const header = Buffer.alloc(CONFLUENT_HEADER_LENGTH);
  header[0] = CONFLUENT_MAGIC_BYTE;
  header.writeUInt32BE(schemaId, 1);
  return header;
}

/** Whether bytes start like the Confluent wire format (magic byte 0 and room for the id). */
export function isConfluentFramed(data: Buffer): boolean {
  return data.length >= CONFLUENT_HEADER_LENGTH && data[0] === CONFLUENT_MAGIC_BYTE;
}

/** Splits off the header; too short or another first byte is AVRO_BAD_MARKER. */
export function readConfluentHeader(data: Buffer): { schemaId: number; body: Buffer } {
  if (!isConfluentFramed(data)) {
    const head = data.subarray(0, 1).toString('hex') || '(empty)';
    throw new DeserializationError(
      `not the Confluent wire format: expected magic byte 00 and a ${CONFLUENT_HEADER_LENGTH}-byte header, got ${data.length} bytes starting ${head}`,
      { code: 'AVRO_BAD_MARKER' },
    );
  }
  return { schemaId: data.readUInt32BE(1), body: data.subarray(CONFLUENT_HEADER_LENGTH) };
}
