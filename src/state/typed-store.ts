import { Serde } from '../serde/serde';
import { CachingStore } from './caching-store';

/** The outermost layer: keys and values as the topology's types, through the store's serdes. */
export class TypedStore<K, V> {
  constructor(
    private readonly bytes: CachingStore,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    /** Serdes may pick schemas per topic; stores use their changelog topic. */
    private readonly topic: string,
  ) {}

  get name(): string {
    return this.bytes.name;
  }

  async get(key: K): Promise<V | undefined> {
    const raw = await this.bytes.get(this.keySerde.serialize(key, this.topic));
    return raw === undefined ? undefined : this.valueSerde.deserialize(raw, this.topic);
  }

  put(key: K, value: V): void {
    // Serializers return fresh buffers: handed over without a copy.
    this.bytes.putOwned(this.keySerde.serialize(key, this.topic), this.valueSerde.serialize(value, this.topic));
  }

  delete(key: K): void {
    this.bytes.delete(this.keySerde.serialize(key, this.topic));
  }

  /** Every entry, in the byte order of the serialized keys. */
  async all(): Promise<Array<{ key: K; value: V }>> {
    return (await this.bytes.range()).map((e) => ({
      key: this.keySerde.deserialize(e.key, this.topic),
      value: this.valueSerde.deserialize(e.value, this.topic),
    }));
  }
}
