import { readFileSync } from 'fs';
import { Schema, Type, types } from 'avsc';
import { SerializationError } from '../core/errors';
import { Serde } from './serde';
import { DecimalType } from './decimal-type';
import { RegisteredSchema, SchemaCatalog, describeSchema, parseSchema } from './schema-catalog';
import { decodeSingleObject, singleObjectHeader } from './single-object';

export interface AvroSerdeOptions {
  /** Other versions of the schema (older or newer) whose bytes this reader must accept. */
  writerSchemas?: Schema[];
  /**
   * Where writer schemas are looked up. Defaults to a fresh catalog holding only the reader and `writerSchemas`,
   * so what a serde accepts is visible at its construction, not dependent on what else the process registered.
   */
  catalog?: SchemaCatalog;
}

/** A Serde that also exposes its schema identity (handy for tests and for registering elsewhere). */
export interface AvroSerde<T> extends Serde<T> {
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
  const header = singleObjectHeader(reader); // computed once; every record shares it
  const typeName = reader.type.name ?? reader.canonicalForm;
  const isRecord = Type.isType(reader.type, 'record', 'error');
  // Values are encoded behind the header in one scratch buffer, then copied out once (no concat, no second copy).
  let scratch = Buffer.allocUnsafe(16 * 1024);
  header.copy(scratch, 0);
  const encode = (value: T): Buffer => {
    let end = reader.type.encode(value, scratch, header.length);
    if (end < 0) {
      // avsc answers how much it would have needed (as a negative end): grow and encode again.
      scratch = Buffer.allocUnsafe(Math.max(2 * scratch.length, -end));
      header.copy(scratch, 0);
      end = reader.type.encode(value, scratch, header.length);
    }
    return Buffer.from(scratch.subarray(0, end));
  };

  return {
    schema: reader,
    catalog,
    serialize(value: T): Buffer {
      // Validate first: avsc's encoder would otherwise throw context-free errors (or write garbage for some
      // wrong types), and the error hook tells us which field is wrong.
      // The plain check is the fast path; only a failed value pays for the hook that says which field is wrong.
      if (!reader.type.isValid(value)) {
        const problems: Array<{ path: string[]; value: unknown; type: Type }> = [];
        reader.type.isValid(value, { errorHook: (path, bad, type) => problems.push({ path, value: bad, type }) });
        throw invalidValue(typeName, problems);
      }
      try {
        return encode(value);
      } catch (cause) {
        throw new SerializationError(`cannot serialize ${typeName}: ${(cause as Error).message}`, { cause });
      }
    },
    deserialize(data: Buffer): T {
      const value = decodeSingleObject(data, catalog, reader);
      // avsc decodes records into instances of a generated class (clone/toBuffer/... on the prototype).
      // Callers expect plain objects (deepStrictEqual compares prototypes), so copy the top level.
      return (isRecord ? { ...(value as object) } : value) as T;
    },
  };
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
