import Decimal from 'decimal.js';
import { Type } from 'avsc';
import { SerializationError } from '../core/errors/serialization-error';
import { DecimalType } from './decimal-type';

/**
 * JSON <-> Avro values for people and scripts: decimals are JSON strings ("0.50", never floats), enums their symbol,
 * records plain objects. Every problem names the field path, e.g. `amount: expected a decimal string, got 0.5`.
 */
export function avroFromJson(type: Type, json: unknown, path: string[] = []): unknown {
  const at = path.length ? path.join('.') : '(value)';
  const fail = (what: string): never => {
    throw new SerializationError(`${at}: ${what}`, { field: path.join('.') || undefined });
  };
  const kind = describe(json);

  if (type instanceof DecimalType) {
    if (typeof json !== 'string') fail(`expected a decimal string such as "10.50", got ${kind}`);
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test((json as string).trim())) fail(`"${json}" is not a decimal number`);
    const value = new Decimal((json as string).trim());
    if (value.decimalPlaces() > type.scale) fail(`"${json}" has more than ${type.scale} decimal places`);
    return value;
  }
  switch (type.typeName) {
    case 'record': {
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail(`expected an object, got ${kind}`);
      const obj = json as Record<string, unknown>;
      const fields = (type as any).fields as Array<{ name: string; type: Type; defaultValue(): unknown }>;
      const known = new Set(fields.map((f) => f.name));
      for (const name of Object.keys(obj)) if (!known.has(name)) fail(`unknown field "${name}" (fields: ${[...known].join(', ')})`);
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        if (obj[f.name] === undefined) {
          const dflt = f.defaultValue();
          if (dflt === undefined) avroFromJson(f.type, undefined, [...path, f.name]);
          out[f.name] = dflt;
        } else out[f.name] = avroFromJson(f.type, obj[f.name], [...path, f.name]);
      }
      return out;
    }
    case 'enum': {
      const symbols = (type as any).symbols as string[];
      if (typeof json !== 'string' || !symbols.includes(json)) fail(`expected one of ${symbols.join(', ')}, got ${kind}`);
      return json;
    }
    case 'string':
      return typeof json === 'string' ? json : fail(`expected a string, got ${kind}`);
    case 'boolean':
      return typeof json === 'boolean' ? json : fail(`expected true or false, got ${kind}`);
    case 'null':
      return json === null ? null : fail(`expected null, got ${kind}`);
    case 'int':
    case 'long':
      return typeof json === 'number' && Number.isSafeInteger(json) ? json : fail(`expected an integer, got ${kind}`);
    case 'float':
    case 'double':
      return typeof json === 'number' ? json : fail(`expected a number, got ${kind}`);
    case 'array':
      if (!Array.isArray(json)) return fail(`expected an array, got ${kind}`);
      return json.map((item, i) => avroFromJson((type as any).itemsType, item, [...path, String(i)]));
    case 'map':
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail(`expected an object, got ${kind}`);
      return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, avroFromJson((type as any).valuesType, v, [...path, k])]));
    case 'union:unwrapped': {
      const branches = (type as any).types as Type[];
      if (json === null && branches.some((t) => t.typeName === 'null')) return null;
      for (const branch of branches.filter((t) => t.typeName !== 'null')) {
        try {
          return avroFromJson(branch, json, path);
        } catch {
          /* try the next branch */
        }
      }
      return fail(`matches none of the union's types, got ${kind}`);
    }
    default:
      return fail(`JSON input is not supported for Avro type ${type.typeName}`);
  }
}

/** The reverse, for printing records: decimals as strings with the schema's scale ("0.50"), the rest as JSON has it. */
export function avroToJson(type: Type, value: unknown): unknown {
  if (type instanceof DecimalType) return (value as Decimal).toFixed(type.scale);
  switch (type.typeName) {
    case 'record': {
      const fields = (type as any).fields as Array<{ name: string; type: Type }>;
      const obj = value as Record<string, unknown>;
      return Object.fromEntries(fields.map((f) => [f.name, avroToJson(f.type, obj[f.name])]));
    }
    case 'array':
      return (value as unknown[]).map((v) => avroToJson((type as any).itemsType, v));
    case 'map':
      return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, avroToJson((type as any).valuesType, v)]));
    case 'union:unwrapped': {
      if (value === null) return null;
      const branch = ((type as any).types as Type[]).find((t) => t.typeName !== 'null' && t.isValid(value));
      return branch ? avroToJson(branch, value) : value;
    }
    case 'bytes':
    case 'fixed':
      return (value as Buffer).toString('base64');
    default:
      return value;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (field missing)';
  if (v === null) return 'null';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
