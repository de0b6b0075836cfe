import type { SchemaRegistry as ConfluentSchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { StreamsError } from '../core/errors';
import { DecimalType } from './decimal-type';
import { fetchSync } from './sync-fetch';

/** Subject compatibility levels of the Confluent API. */
export type Compatibility = 'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';

/**
 * What the library asks of a schema registry (its Confluent-compatible REST API: Confluent Schema Registry, Redpanda,
 * Apicurio's `/apis/ccompat/v7`, Karapace). Schemas travel as their JSON text, as the API has them.
 */
export interface SchemaRegistryClient {
  /** Base URL of the Confluent-compatible API, e.g. `http://127.0.0.1:8081` or `http://host/apis/ccompat/v7`. */
  readonly url: string;
  /** The id of `schema` among the versions of `subject`, or undefined when the subject does not hold it. */
  lookup(subject: string, schema: string): Promise<number | undefined>;
  /**
   * Sets the subject's compatibility level, then registers `schema` under it (a schema the subject already holds keeps
   * its id). A schema the registry refuses (incompatible, invalid) is a `SchemaRegistryError` with its reason.
   */
  register(subject: string, schema: string, opts?: { compatibility?: Compatibility }): Promise<{ id: number; registered: boolean }>;
  /**
   * The schema text of an id, or undefined when the registry does not know the id. Blocks this thread until the
   * registry answers: it is for a deserializer that meets an id it has never seen (once per id).
   */
  schemaByIdSync(id: number): string | undefined;
}

/** A registry answered with a refusal (`code` SCHEMA_INCOMPATIBLE, SCHEMA_INVALID) or could not be reached. */
export class SchemaRegistryError extends StreamsError {
  constructor(message: string, options: { code: string; retriable?: boolean; cause?: unknown; status?: number }) {
    super(message, options);
    this.status = options.status;
  }
  readonly status?: number;
}

const CLIENT_ID = 'topology-streams';
const ACCEPT = 'application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json';

/** `--schema-registry` / SCHEMA_REGISTRY_URL: the URL, or undefined when none is configured (empty means none). */
export function parseSchemaRegistryUrl(value: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = (value ?? env.SCHEMA_REGISTRY_URL ?? '').trim();
  if (raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new StreamsError(`schema registry '${raw}' is not a URL (e.g. http://127.0.0.1:8081/apis/ccompat/v7)`, { code: 'SCHEMA_REGISTRY_URL_INVALID' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StreamsError(`schema registry '${raw}' is not an http(s) URL`, { code: 'SCHEMA_REGISTRY_URL_INVALID' });
  }
  return raw.replace(/\/+$/, '');
}

const clients = new Map<string, SchemaRegistryClient>();

/**
 * The registry client for a URL: one per URL and process, so every serde and task of a process shares its caches.
 * Registration and look-ups go through `@kafkajs/confluent-schema-registry` (with the library's `decimal` logical
 * type, so what it parses reads money as Decimal); `confluentClient` gives that client itself, for async
 * `encode`/`decode` in application code.
 */
export function schemaRegistry(url: string): SchemaRegistryClient & { readonly confluentClient: ConfluentSchemaRegistry } {
  const key = parseSchemaRegistryUrl(url, {});
  if (key === undefined) throw new StreamsError('schema registry URL is empty', { code: 'SCHEMA_REGISTRY_URL_INVALID' });
  let client = clients.get(key);
  if (!client) {
    client = new ConfluentRegistryClient(key);
    clients.set(key, client);
  }
  return client as ConfluentRegistryClient;
}

class ConfluentRegistryClient implements SchemaRegistryClient {
  private client?: ConfluentSchemaRegistry;

  constructor(readonly url: string) {}

  /** Loaded on first use: the library and its HTTP client stay out of processes that use no registry. */
  get confluentClient(): ConfluentSchemaRegistry {
    if (!this.client) {
      const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry') as typeof import('@kafkajs/confluent-schema-registry');
      this.client = new SchemaRegistry(
        { host: this.url, clientId: CLIENT_ID, retry: { retries: 2, maxRetryTimeInSecs: 2 } },
        { [SchemaType.AVRO]: { logicalTypes: { decimal: DecimalType }, assertLogicalTypes: true } } as never,
      );
    }
    return this.client;
  }

  async lookup(subject: string, schema: string): Promise<number | undefined> {
    const { SchemaType } = require('@kafkajs/confluent-schema-registry') as typeof import('@kafkajs/confluent-schema-registry');
    try {
      return await this.confluentClient.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema });
    } catch (err) {
      // The library turns a 404 (no such subject, or the subject does not hold the schema) into its base error class.
      if (err instanceof Error && err.constructor.name === 'ConfluentSchemaRegistryError') return undefined;
      throw this.failure(`looking up the schema of subject ${subject}`, err);
    }
  }

  async register(subject: string, schema: string, opts: { compatibility?: Compatibility } = {}): Promise<{ id: number; registered: boolean }> {
    const { SchemaType } = require('@kafkajs/confluent-schema-registry') as typeof import('@kafkajs/confluent-schema-registry');
    const compatibility = opts.compatibility ?? 'BACKWARD';
    // The level first, so that the registry checks this very registration against it. (A registry reports its global
    // default for a subject without a level of its own, so the client's "first registration" guess cannot be relied on.)
    await this.putConfig(subject, compatibility);
    const known = await this.lookup(subject, schema);
    if (known !== undefined) return { id: known, registered: false };
    try {
      const { id } = await this.confluentClient.register({ type: SchemaType.AVRO, schema }, { subject, compatibility: compatibility as never, updateConfig: false });
      return { id, registered: true };
    } catch (err) {
      throw this.failure(`registering a new schema for subject ${subject} (compatibility ${compatibility})`, err, `the new schema for subject ${subject} (compatibility ${compatibility})`);
    }
  }

  schemaByIdSync(id: number): string | undefined {
    const url = `${this.url}/schemas/ids/${id}`;
    let res;
    try {
      res = fetchSync(url, { headers: { accept: ACCEPT } });
    } catch (err) {
      throw new SchemaRegistryError(`schema registry at ${this.url} is unreachable (fetching schema id ${id}): ${(err as Error).message}`, { code: 'SCHEMA_REGISTRY_UNAVAILABLE', retriable: true, cause: err });
    }
    if (res.status === 404) return undefined;
    if (res.status !== 200) {
      throw new SchemaRegistryError(`schema registry at ${this.url} answered ${res.status} for schema id ${id}: ${registryMessage(res.body)}`, { code: 'SCHEMA_REGISTRY_UNAVAILABLE', retriable: res.status >= 500, status: res.status });
    }
    const found = JSON.parse(res.body) as { schema?: unknown; schemaType?: unknown };
    if (typeof found.schema !== 'string') throw new SchemaRegistryError(`schema registry at ${this.url}: schema id ${id} came without a schema`, { code: 'SCHEMA_REGISTRY_BAD_ANSWER' });
    if (found.schemaType !== undefined && found.schemaType !== 'AVRO') {
      throw new SchemaRegistryError(`schema id ${id} is a ${String(found.schemaType)} schema, not Avro`, { code: 'SCHEMA_NOT_AVRO' });
    }
    return found.schema;
  }

  private async putConfig(subject: string, compatibility: Compatibility): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${this.url}/config/${encodeURIComponent(subject)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', accept: ACCEPT },
        body: JSON.stringify({ compatibility }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw this.failure(`setting compatibility ${compatibility} on subject ${subject}`, err);
    }
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      throw new SchemaRegistryError(`schema registry at ${this.url} refused compatibility ${compatibility} for subject ${subject} (${res.status}): ${registryMessage(body)}`, { code: 'SCHEMA_REGISTRY_REFUSED', status: res.status });
    }
  }

  /** The library's errors as ours: the registry's own message, with what we were doing and a code to act on. */
  private failure(doing: string, err: unknown, what = 'the request'): SchemaRegistryError {
    const message = err instanceof Error ? (err.cause instanceof Error ? `${err.message} (${err.cause.message})` : err.message) : String(err);
    // mappersmith reports a connection that failed as a response with status 400 (and the socket error as its body).
    const network = /\b(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE)\b|socket hang up|timed? ?out/i.test(message);
    const status = !network && typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : undefined;
    if (err instanceof Error && err.name === 'ConfluentSchemaRegistryCompatibilityError') {
      return new SchemaRegistryError(`schema registry at ${this.url}: ${err.message} (while ${doing})`, { code: 'SCHEMA_REGISTRY_REFUSED', cause: err });
    }
    // The registry's own words, without the client's name or a Java exception class in front.
    const reason = message.replace(`${CLIENT_ID} - `, '').replace(/^Error, status 400: /, '').replace(/^(?:[\w$]+\.)+[\w$]*(?:Exception|Error): /, '');
    if (status === 409) return new SchemaRegistryError(`schema registry at ${this.url} refused ${what}: it is incompatible with the subject's earlier versions: ${reason}`, { code: 'SCHEMA_INCOMPATIBLE', status, cause: err });
    if (status === 422) return new SchemaRegistryError(`schema registry at ${this.url} refused ${what} as invalid: ${reason}`, { code: 'SCHEMA_INVALID', status, cause: err });
    if (status !== undefined && status < 500) return new SchemaRegistryError(`schema registry at ${this.url} answered ${status} while ${doing}: ${reason}`, { code: 'SCHEMA_REGISTRY_REFUSED', status, cause: err });
    return new SchemaRegistryError(`schema registry at ${this.url} is unreachable or failing (while ${doing}): ${reason}`, { code: 'SCHEMA_REGISTRY_UNAVAILABLE', retriable: true, status, cause: err });
  }
}

/** Confluent's default subject naming (TopicNameStrategy) for a topic's values. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/**
 * A serde whose bytes a schema registry can describe (the library's Avro serdes). Until it is given a registry it
 * writes its own format (Avro single-object encoding); given one, it writes the Confluent wire format.
 */
export interface RegistryAwareSerde {
  /** The schema this serde writes, as the text registered under `<topic>-value`. */
  readonly registrySchema: string;
  /** The registry it was given, if any. */
  readonly schemaRegistry?: SchemaRegistryClient;
  /**
   * Hands the serde a registry. It looks up its schema's id under `<topic>-value` for each of `topics` now (failing
   * when a subject does not hold the schema: `topology topics create` registers it), so that writing stays
   * synchronous: from then on it writes those topics in the Confluent wire format. It reads that format through the
   * registry (a writer id it has not seen is fetched once); bytes in its own format stay readable. Idempotent; one
   * registry per serde.
   */
  useSchemaRegistry(registry: SchemaRegistryClient, topics: readonly string[]): Promise<void>;
}

export function isRegistryAware(serde: unknown): serde is RegistryAwareSerde {
  const s = serde as Partial<RegistryAwareSerde> | null;
  return typeof s === 'object' && s !== null && typeof s.registrySchema === 'string' && typeof s.useSchemaRegistry === 'function';
}

function registryMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    /* not JSON */
  }
  return body.slice(0, 300) || '(no body)';
}
