import { Schema, Type } from 'avsc';
import { DecimalType } from './decimal-type';
import { fingerprint64, fingerprintHex } from './crc64-avro';

/** avsc's resolver type is not exported by name; this is what `createResolver` returns. */
export type AvroResolver = ReturnType<Type['createResolver']>;

/** A schema the catalog knows, with its identity on the wire. */
export interface RegisteredSchema {
  readonly type: Type;
  /** Parsing Canonical Form: what the fingerprint hashes (no docs, defaults or logical-type attributes). */
  readonly canonicalForm: string;
  /** CRC-64-AVRO of `canonicalForm`, little-endian, as in the single-object header. */
  readonly fingerprint: Buffer;
  readonly fingerprintHex: string;
}

/**
 * Parses a schema with the library's logical types. `assertLogicalTypes` makes a malformed decimal an error
 * instead of avsc's spec-compliant silent fallback to plain bytes (which would hand Buffers to code expecting
 * Decimals).
 */
export function parseSchema(schema: Schema): Type {
  if (Type.isType(schema)) schema = (schema as Type).schema({ exportAttrs: true });
  return Type.forSchema(schema, { logicalTypes: { decimal: DecimalType }, assertLogicalTypes: true });
}

/** Identity of a parsed type: its canonical form and fingerprint. */
export function describeSchema(type: Type): RegisteredSchema {
  const canonicalForm = JSON.stringify(type.schema()); // no options = Parsing Canonical Form in avsc
  const fingerprint = fingerprint64(canonicalForm);
  return { type, canonicalForm, fingerprint, fingerprintHex: fingerprintHex(fingerprint) };
}

/**
 * An in-process stand-in for a schema registry: the writer schemas a reader knows, by fingerprint.
 *
 * Caveat from the spec: the canonical form drops logical-type attributes, so decimal(18,2) and decimal(18,3)
 * share a fingerprint. The first registration wins; keep one scale per record name.
 */
export class SchemaCatalog {
  private readonly byFingerprint = new Map<string, RegisteredSchema>();
  /** Resolvers per reader type, then per writer fingerprint: building one walks both schemas. */
  private readonly resolvers = new WeakMap<Type, Map<string, AvroResolver>>();

  /** Registers a schema (JSON or an avsc Type, re-parsed so decimals get the logical type). Idempotent. */
  register(schema: Schema): RegisteredSchema {
    return this.add(describeSchema(parseSchema(schema)));
  }

  /** Registers an already described schema; returns the entry already held for its fingerprint, if any. */
  add(entry: RegisteredSchema): RegisteredSchema {
    const known = this.byFingerprint.get(entry.fingerprintHex);
    if (known) return known;
    this.byFingerprint.set(entry.fingerprintHex, entry);
    return entry;
  }

  /** The writer schema for a header fingerprint (8 bytes LE), or undefined when it was never registered. */
  lookup(fingerprint: Buffer): RegisteredSchema | undefined {
    return this.byFingerprint.get(fingerprintHex(fingerprint));
  }

  /** All registered schemas, in registration order. */
  list(): RegisteredSchema[] {
    return [...this.byFingerprint.values()];
  }

  /**
   * How `reader` reads data written with `writer`. Throws avsc's error if the schemas are incompatible;
   * returns undefined when both have the same canonical form, so the reader can decode directly (faster).
   */
  resolver(writer: RegisteredSchema, reader: RegisteredSchema): AvroResolver | undefined {
    if (writer.fingerprintHex === reader.fingerprintHex) return undefined;
    let perWriter = this.resolvers.get(reader.type);
    if (!perWriter) {
      perWriter = new Map();
      this.resolvers.set(reader.type, perWriter);
    }
    let resolver = perWriter.get(writer.fingerprintHex);
    if (!resolver) {
      resolver = reader.type.createResolver(writer.type);
      perWriter.set(writer.fingerprintHex, resolver);
    }
    return resolver;
  }
}
