import { DeserializationError, SerializationError } from '../core/errors';
import { Serde } from './serde';

/**
 * `fatal` so invalid UTF-8 is an error instead of silently becoming U+FFFD: corrupt keys would otherwise be
 * merged into one wrong key. (Kafka's Java StringDeserializer is lenient; we prefer to surface the bad record.)
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

const stringSerde: Serde<string> = {
  serialize(value) {
    if (typeof value !== 'string') throw new SerializationError(`expected a string, got ${typeof value}`);
    return Buffer.from(value, 'utf8');
  },
  deserialize(data) {
    try {
      return utf8.decode(data);
    } catch (cause) {
      throw new DeserializationError(`invalid UTF-8 in ${data.length}-byte string`, { code: 'STRING_DECODE_FAILED', cause });
    }
  },
};

/** Pass-through: the bytes are the value (no copy; the caller owns the buffer). */
const bufferSerde: Serde<Buffer> = {
  serialize(value) {
    if (!Buffer.isBuffer(value)) throw new SerializationError(`expected a Buffer, got ${typeof value}`);
    return value;
  },
  deserialize(data) {
    return data;
  },
};

/**
 * Plain JSON as UTF-8. Values become what JSON makes of them: a Decimal is written as its string and read back
 * as a string, Dates become strings; use Avro for typed records.
 */
function jsonSerde<T>(): Serde<T> {
  return {
    serialize(value) {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (cause) {
        // e.g. a BigInt or a cycle.
        throw new SerializationError(`cannot serialize as JSON: ${(cause as Error).message}`, { cause });
      }
      if (text === undefined) throw new SerializationError(`cannot serialize ${typeof value} as JSON`);
      return Buffer.from(text, 'utf8');
    },
    deserialize(data) {
      try {
        return JSON.parse(utf8.decode(data)) as T;
      } catch (cause) {
        throw new DeserializationError(`invalid JSON (${data.length} bytes): ${(cause as Error).message}`, {
          code: 'JSON_DECODE_FAILED',
          cause,
        });
      }
    },
  };
}

/** Ready-made serdes for common key and value formats. */
export const Serdes = {
  string: (): Serde<string> => stringSerde,
  buffer: (): Serde<Buffer> => bufferSerde,
  json: <T = unknown>(): Serde<T> => jsonSerde<T>(),
};
