export * from './serde';
export * from './primitive-serdes';
export { avroSerde, loadSchema } from './avro-serde';
export type { AvroSerde, AvroSerdeOptions } from './avro-serde';
export { SchemaCatalog, parseSchema, describeSchema } from './schema-catalog';
export type { RegisteredSchema, AvroResolver } from './schema-catalog';
export { DecimalType } from './decimal-type';
export { crc64Avro, fingerprint64, fingerprintHex, CRC64_AVRO_EMPTY } from './crc64-avro';
export {
  SINGLE_OBJECT_MARKER,
  SINGLE_OBJECT_HEADER_LENGTH,
  singleObjectHeader,
  encodeSingleObject,
  readSingleObjectHeader,
  decodeSingleObject,
} from './single-object';
export { CONFLUENT_MAGIC_BYTE, CONFLUENT_HEADER_LENGTH, confluentHeader, isConfluentFramed, readConfluentHeader } from './confluent-wire';
export { schemaRegistry, parseSchemaRegistryUrl, valueSubject, isRegistryAware, SchemaRegistryError } from './schema-registry';
export type { SchemaRegistryClient, RegistryAwareSerde, Compatibility } from './schema-registry';
