import { Topology } from '../dsl/topology';
import { CachingStore } from '../state/caching-store';
import { StreamsError } from '../errors/streams-error';

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
  ) {}

  store(name: string): CachingStore {
    const store = this.stores.get(name);
    if (!store) throw new StreamsError(`task ${this.taskId} has no store '${name}'`, { code: 'UNKNOWN_STORE' });
    return store;
  }

  observe(timestamp: number): void {
    if (timestamp > this.streamTime) this.streamTime = timestamp;
  }
}
