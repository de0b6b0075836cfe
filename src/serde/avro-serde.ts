import { readFileSync } from 'fs';
import { Schema, Type, types } from 'avsc';
import { DeserializationError, SerializationError, StreamsError } from '../core/errors';
import { Serde } from './serde';
import { DecimalType } from './decimal-type';
import { AvroResolver, RegisteredSchema, SchemaCatalog, describeSchema, parseSchema } from './schema-catalog';
import { decodeSingleObject, singleObjectHeader } from './single-object';
import { CONFLUENT_MAGIC_BYTE, confluentHeader, readConfluentHeader } from './confluent-wire';
import { RegistryAwareSerde, SchemaRegistryClient, SchemaRegistryError, valueSubject } from './schema-registry';

export interface AvroSerdeOptions {
  /** Other versions of the schema (older or newer) whose bytes this reader must accept. */
  writerSchemas?: Schema[];
  /**
   * Where writer schemas are looked up. Defaults to a fresh catalog holding only the reader and `writerSchemas`,
   * so what a serde accepts is visible at its construction, not dependent on what else the process registered.
   */
  catalog?: SchemaCatalog;
}

/**
 * A Serde that also exposes its schema identity (handy for tests and for registering elsewhere).
 *
 * Two wire formats: Avro single-object encoding (`C3 01`, the schema's 8-byte fingerprint, the datum) with no
 * registry, and the Confluent wire format (`00`, the schema's 4-byte registry id, the datum) once it was given a
 * schema registry (`useSchemaRegistry`, which `topology run --schema-registry` and the other commands do for every
 * topic the topology writes). It reads both, whichever it writes.
 */
export interface AvroSerde<T> extends Serde<T>, RegistryAwareSerde {
  readonly schema: RegisteredSchema;
  readonly catalog: SchemaCatalog;
}

/** Reads an .avsc file (JSON). */
export function loadSchema(path: string): Schema {
  return JSON.parse(readFileSync(path, 'utf8')) as Schema;
}

/** Avro single-object encoding with `readerSchema` as both the writer schema and the reader schema. */
export function avroSerde<T>(readerSchema: Schema, options: AvroSerdeOptions = {}): AvroSerde<T> {
  const catalog = options.catalog ?? new SchemaCatalog();
  // Keep our own parse as the reader rather than the catalog's entry: schemas that differ only in defaults share
  // a fingerprint, and the reader's defaults are the ones that must fill fields missing from old data.
  const reader = describeSchema(parseSchema(readerSchema));
  catalog.add(reader);
  for (const writer of options.writerSchemas ?? []) catalog.register(writer);
  const singleObject = singleObjectHeader(reader); // computed once; every record shares it
  const typeName = reader.type.name ?? reader.canonicalForm;
  const isRecord = Type.isType(reader.type, 'record', 'error');
  const registrySchema = JSON.stringify(Type.isType(readerSchema) ? (readerSchema as Type).schema({ exportAttrs: true }) : readerSchema);
  // Values are encoded behind the header in one scratch buffer, then copied out once (no concat, no second copy).
  let scratch = Buffer.allocUnsafe(16 * 1024);
  let scratchHeader: Buffer | undefined;
  const encode = (header: Buffer, value: T): Buffer => {
    if (scratchHeader !== header) {
      header.copy(scratch, 0);
      scratchHeader = header;
    }
    let end = reader.type.encode(value, scratch, header.length);
    if (end < 0) {
      // avsc answers how much it would have needed (as a negative end): grow and encode again.
      scratch = Buffer.allocUnsafe(Math.max(2 * scratch.length, -end));
      header.copy(scratch, 0);
      end = reader.type.encode(value, scratch, header.length);
    }
    return Buffer.from(scratch.subarray(0, end));
  };

  // With a registry: the Confluent header per topic written (its schema id looked up once), and per writer id met
  // while reading, how to read it (a resolver, none for our own schema) or why it cannot be read.
  let registry: SchemaRegistryClient | undefined;
  const confluentHeaders = new Map<string, Buffer>();
  const writers = new Map<number, { resolver?: AvroResolver } | DeserializationError>();
  const readerFull = JSON.stringify(reader.type.schema({ exportAttrs: true }));

  /** How to read writer schema `id`: fetched from the registry the first time (blocking, once per id). */
  const writerFor = (id: number): { resolver?: AvroResolver } | DeserializationError => {
    const known = writers.get(id);
    if (known) return known;
    if (!registry) {
      return new DeserializationError(
        `value is in the Confluent wire format (schema id ${id}), but no schema registry is configured to look the id up: ` +
          'give --schema-registry URL (or SCHEMA_REGISTRY_URL)',
        { code: 'AVRO_NO_SCHEMA_REGISTRY' },
      );
    }
    // Unreachable registry: a retriable SchemaRegistryError, not a bad record (the task restarts and reads it again).
    const text = registry.schemaByIdSync(id);
    let entry: { resolver?: AvroResolver } | DeserializationError;
    if (text === undefined) {
      entry = new DeserializationError(`unknown Avro writer schema: id ${id} is not in the schema registry at ${registry.url} (reader is ${typeName})`, { code: 'AVRO_UNKNOWN_SCHEMA' });
    } else {
      try {
        const writer = parseSchema(JSON.parse(text));
        // Compared with attributes: decimal(18,2) and decimal(18,3) share a canonical form but not their bytes' meaning.
        entry = { resolver: JSON.stringify(writer.schema({ exportAttrs: true })) === readerFull ? undefined : reader.type.createResolver(writer) };
      } catch (cause) {
        entry = new DeserializationError(`Avro writer schema id ${id} (from ${registry.url}) cannot be read as ${typeName}: ${errorMessage(cause)}`, { code: 'AVRO_INCOMPATIBLE_SCHEMA', cause });
      }
    }
    writers.set(id, entry);
    return entry;
  };

  const decodeConfluent = (data: Buffer): unknown => {
    const { schemaId, body } = readConfluentHeader(data);
    const writer = writerFor(schemaId);
    if (writer instanceof Error) throw writer;
    try {
      return reader.type.fromBuffer(body, writer.resolver);
    } catch (cause) {
      throw new DeserializationError(`corrupt Avro body (${body.length} bytes, writer schema id ${schemaId}): ${errorMessage(cause)}`, { code: 'AVRO_DECODE_FAILED', cause });
    }
  };

  return {
    schema: reader,
    catalog,
    registrySchema,
    get schemaRegistry() {
      return registry;
    },
    async useSchemaRegistry(client: SchemaRegistryClient, topics: readonly string[]): Promise<void> {
      if (registry && registry.url !== client.url) {
        throw new StreamsError(`the ${typeName} serde already uses the schema registry at ${registry.url}, not ${client.url}`, { code: 'SCHEMA_REGISTRY_CONFLICT' });
      }
      registry = client;
      for (const topic of topics) {
        if (confluentHeaders.has(topic)) continue;
        const subject = valueSubject(topic);
        const id = await client.lookup(subject, registrySchema);
        if (id === undefined) {
          throw new SchemaRegistryError(
            `the schema of ${typeName} (written to ${topic}) is not registered under subject ${subject} in the schema registry at ${client.url}: ` +
              `register it with \`topology topics create --schema-registry ${client.url}\``,
            { code: 'SCHEMA_NOT_REGISTERED' },
          );
        }
        writers.set(id, { resolver: undefined });
        confluentHeaders.set(topic, confluentHeader(id));
      }
    },
    serialize(value: T, topic: string): Buffer {
      // Validate first: avsc's encoder would otherwise throw context-free errors (or write garbage for some
      // wrong types), and the error hook tells us which field is wrong.
      // The plain check is the fast path; only a failed value pays for the hook that says which field is wrong.
      if (!reader.type.isValid(value)) {
        const problems: Array<{ path: string[]; value: unknown; type: Type }> = [];
        reader.type.isValid(value, { errorHook: (path, bad, type) => problems.push({ path, value: bad, type }) });
        throw invalidValue(typeName, problems);
      }
      let header = singleObject;
      if (registry) {
        const found = confluentHeaders.get(topic);
        if (!found) {
          throw new SerializationError(
            `cannot serialize ${typeName} for topic ${topic}: this serde writes through the schema registry at ${registry.url}, ` +
              `and its schema id under ${valueSubject(topic)} was not looked up (topics looked up: ${[...confluentHeaders.keys()].join(', ') || 'none'})`,
            { code: 'SCHEMA_ID_UNKNOWN' },
          );
        }
        header = found;
      }
      try {
        return encode(header, value);
      } catch (cause) {
        throw new SerializationError(`cannot serialize ${typeName}: ${(cause as Error).message}`, { cause });
      }
    },
    deserialize(data: Buffer): T {
      const value = data.length > 0 && data[0] === CONFLUENT_MAGIC_BYTE ? decodeConfluent(data) : decodeSingleObject(data, catalog, reader);
      // avsc decodes records into instances of a generated class (clone/toBuffer/... on the prototype).
      // Callers expect plain objects (deepStrictEqual compares prototypes), so copy the top level.
      return (isRecord ? { ...(value as object) } : value) as T;
    },
  };
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One error for the first bad field; the others are listed so a single fix round is enough. */
function invalidValue(typeName: string, problems: Array<{ path: string[]; value: unknown; type: Type }>) {
  if (problems.length === 0) return new SerializationError(`value is not a valid ${typeName}`);
  const describe = ({ path, value, type }: (typeof problems)[number]) => {
    const where = path.length ? `field '${path.join('.')}'` : 'value';
    const why =
      type instanceof DecimalType ? type.problem(value)
      : type instanceof types.EnumType ? `is not one of ${type.symbols.join(', ')}`
      : value === undefined ? 'is missing'
      : `is not a valid ${type.typeName}`;
    return `${where}: ${why ?? 'invalid'} (got ${show(value)})`;
  };
  const [first] = problems;
  const field = first.path.length ? first.path.join('.') : undefined;
  return new SerializationError(`cannot serialize ${typeName}: ${problems.map(describe).join('; ')}`, { field });
}

/** A short rendering of the bad value for the message (amounts are not secrets; long strings are cut). */
function show(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' || (typeof value === 'object' && value?.constructor === Object)
      ? JSON.stringify(value)
      : String(value);
  } catch {
    s = Object.prototype.toString.call(value);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
