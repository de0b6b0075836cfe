import { Topology } from '../dsl/topology';
import { CachingStore } from '../state/caching-store';
import { StreamsError } from '../core/errors/streams-error';

/** What a task's operators share: who they run for, the stream time, and the task's stores. */
export class TaskContext {
  /** The largest timestamp seen by this task (Kafka Streams' stream time); drives retention. */
  streamTime = 0;

  constructor(
    readonly applicationId: string,
    readonly taskId: string,
    readonly partition: number,
    readonly topology: Topology,
    /** The run's default partition count (topics not declared with their own). */
    readonly partitions: number,
    private readonly stores: Map<string, CachingStore>,
    /** Wall-clock time for the Kafka runner; the driver's own clock in tests. */
    private readonly clock: () => number = Date.now,
    private readonly maxClockSkewMs = 60_000,
  ) {}

  store(name: string): CachingStore {
    const store = this.stores.get(name);
    if (!store) throw new StreamsError(`task ${this.taskId} has no store '${name}'`, { code: 'UNKNOWN_STORE' });
    return store;
  }

  /**
   * Advances stream time with a record's timestamp, but never past the task's clock plus `maxClockSkewMs`: a single
   * record stamped in the future by a producer with a wrong clock must not expire every remembered id at once.
   * Returns the stream time as of this record. (The clock is only read when a timestamp would advance it.)
   */
  observe(timestamp: number): number {
    if (timestamp > this.streamTime) {
      const bounded = Math.min(timestamp, this.clock() + this.maxClockSkewMs);
      if (bounded > this.streamTime) this.streamTime = bounded;
    }
    return this.streamTime;
  }
}
