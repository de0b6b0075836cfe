import { KafkaMessage } from './kafkajs';
import { LogRecord } from '../core/records';
import { BatchLimits, BatchSource } from '../runtime/task-loop';
import { fromKafkaMessage } from './kafka-records';

interface Chunk {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /** The next message of `messages` to hand out. */
  at: number;
}

/**
 * A task's records as kafkajs fetches them. kafkajs pushes fetched batches (`eachBatch`); the task loop pulls
 * (`next`). In between sits a bounded buffer: while the task commits one batch the consumer already fetches the
 * next, and a task that fell behind takes whole batches of up to `maxRecords` at once, so transactions grow with
 * the load and their round trips are amortized. When the buffer holds `highWater` records, `push` waits until the
 * task has taken them (kafkajs fetches no more for the partition meanwhile).
 *
 * Records below a source's position (a fetch that raced a seek, or a redelivery) are dropped, so the task never sees
 * a record twice whatever kafkajs delivers.
 */
export class KafkaBatchSource implements BatchSource {
  private readonly chunks: Chunk[] = [];
  private buffered = 0;
  private closed = false;
  private wakeReader?: () => void;
  private wakeWriter?: () => void;

  constructor(
    /** The next offset to hand out per source topic (the committed offsets at start). */
    readonly positions: Map<string, number>,
    private readonly highWater: number,
  ) {}

  get size(): number {
    return this.buffered;
  }

  /** Adds a fetched batch; resolves once the buffer has room again (or the source closed). */
  async push(topic: string, partition: number, messages: KafkaMessage[], heartbeat: () => Promise<void>): Promise<void> {
    const from = this.positions.get(topic) ?? 0;
    let first = 0;
    while (first < messages.length && Number(messages[first].offset) < from) first++;
    if (first < messages.length && !this.closed) {
      this.chunks.push({ topic, partition, messages, at: first });
      this.buffered += messages.length - first;
      this.positions.set(topic, Number(messages[messages.length - 1].offset) + 1);
      this.wakeReader?.();
    }
    while (this.buffered >= this.highWater && !this.closed) {
      await new Promise<void>((resolve) => {
        this.wakeWriter = resolve;
        setTimeout(resolve, 1000);
      });
      this.wakeWriter = undefined;
      await heartbeat();
    }
  }

  async next(limits: BatchLimits): Promise<LogRecord[] | null> {
    if (this.buffered === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, limits.maxWaitMs);
        this.wakeReader = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeReader = undefined;
    }
    if (this.closed) return null;
    const out: LogRecord[] = [];
    let bytes = 0;
    while (this.chunks.length > 0 && out.length < limits.maxRecords) {
      const chunk = this.chunks[0];
      while (chunk.at < chunk.messages.length && out.length < limits.maxRecords) {
        const m = chunk.messages[chunk.at];
        const size = (m.key?.length ?? 0) + (m.value?.length ?? 0);
        if (out.length > 0 && bytes + size > limits.maxBytes) return this.took(out);
        bytes += size;
        out.push(fromKafkaMessage(chunk.topic, chunk.partition, m));
        chunk.at++;
      }
      if (chunk.at >= chunk.messages.length) this.chunks.shift();
    }
    return this.took(out);
  }

  /** Positions already moved when the records were buffered; a failed batch ends the task, which re-reads them. */
  advance(): void {}

  /** Ends the loop: a pending or later `next` answers null; a waiting `push` returns. */
  close(): void {
    this.closed = true;
    this.chunks.length = 0;
    this.buffered = 0;
    this.wakeReader?.();
    this.wakeWriter?.();
  }

  private took(out: LogRecord[]): LogRecord[] {
    this.buffered -= out.length;
    if (this.buffered < this.highWater) this.wakeWriter?.();
    return out;
  }
}
