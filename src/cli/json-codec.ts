import { Type } from 'avsc';
import { Topology } from '../dsl/topology';
import { topicSerdes } from '../kafka/topic-producer';
import { avroFromJson, avroToJson } from '../serde/avro-json';
import { Serde } from '../serde/serde';

/** How the CLI turns JSON lines into a topic's typed values and back, through the topology's serdes. */
export interface JsonCodec {
  serdes: { key: Serde<any>; value: Serde<any> };
  valueFromJson(json: unknown): unknown;
  valueToJson(value: unknown): unknown;
}

function avroTypeOf(serde: Serde<unknown>): Type | undefined {
  const schema = (serde as { schema?: { type?: unknown } }).schema;
  return schema && Type.isType(schema.type) ? (schema.type as Type) : undefined;
}

export function jsonCodec(topology: Topology, topic: string): JsonCodec {
  const serdes = topicSerdes(topology, topic);
  const type = avroTypeOf(serdes.value);
  return {
    serdes,
    valueFromJson: (json) => (type ? avroFromJson(type, json) : json),
    valueToJson: (value) => (type ? avroToJson(type, value) : value),
  };
}
