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
