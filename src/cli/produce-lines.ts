import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { StreamsError } from '../core/errors/streams-error';
import { ProducerRecord, TopicEncoder } from '../kafka/topic-producer';
import { OutgoingRecord } from '../core/records';
import { JsonCodec } from './json-codec';

export interface LineProblem {
  line: number;
  message: string;
}

export interface ProduceSummary {
  written: number;
  rejected: LineProblem[];
}

/**
 * Reads JSON lines, validates and encodes each one completely before anything of it is sent (a bad line is
 * reported with its number and field, and nothing of it is written), and sends good lines in chunks.
 * A line is a bare value (keyed by `keyField`) or an envelope `{"key": ..., "value": {...}}`.
 */
export async function produceLines(opts: {
  input: Readable;
  codec: JsonCodec;
  encoder: TopicEncoder<any, any>;
  keyField: string;
  /** Turns a JSON value into the typed value, throwing with a message naming the field; default: via the schema. */
  fromJson?: (json: unknown) => unknown;
  send: (records: OutgoingRecord[]) => Promise<void>;
  chunk?: number;
}): Promise<ProduceSummary> {
  const summary: ProduceSummary = { written: 0, rejected: [] };
  let pending: OutgoingRecord[] = [];
  let pendingLastLine = 0;
  let lastWrittenLine = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    try {
      await opts.send(pending);
    } catch (err) {
      // Earlier chunks are in Kafka: say exactly how far the file got, so a re-run can start after it.
      const reason = err instanceof Error ? err.message : String(err);
      throw new StreamsError(`producing failed: ${summary.written} records were written, up to line ${lastWrittenLine}; lines after it were not: ${reason}`, { code: 'PRODUCE_FAILED', retriable: true, cause: err });
    }
    summary.written += pending.length;
    lastWrittenLine = pendingLastLine;
    pending = [];
  };
  let n = 0;
  for await (const raw of createInterface({ input: opts.input, crlfDelay: Infinity })) {
    n += 1;
    if (raw.trim() === '') continue;
    try {
      pending.push(encodeLine(raw, opts));
      pendingLastLine = n;
    } catch (err) {
      summary.rejected.push({ line: n, message: err instanceof Error ? err.message : String(err) });
      continue;
    }
    if (pending.length >= (opts.chunk ?? 500)) await flush();
  }
  await flush();
  return summary;
}

function encodeLine(raw: string, opts: { codec: JsonCodec; encoder: TopicEncoder<any, any>; keyField: string; fromJson?: (json: unknown) => unknown }): OutgoingRecord {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new StreamsError(`not JSON: ${(err as Error).message}`, { code: 'BAD_LINE' });
  }
  const isEnvelope = typeof json === 'object' && json !== null && 'value' in json && 'key' in json && Object.keys(json).length === 2;
  const rawValue = isEnvelope ? (json as { value: unknown }).value : json;
  const value = (opts.fromJson ?? opts.codec.valueFromJson)(rawValue);
  const key = isEnvelope ? (json as { key: unknown }).key : (value as Record<string, unknown> | null)?.[opts.keyField];
  if (key === undefined) throw new StreamsError(`no key: the line has no "${opts.keyField}" field (or use {"key": ..., "value": ...})`, { code: 'BAD_LINE' });
  const record: ProducerRecord<unknown, unknown> = { key, value };
  return opts.encoder.encode(record);
}
