import { Topology } from '../dsl/topology';
import { StreamsError } from '../core/errors/streams-error';
import { KafkaTaskRunner } from '../kafka/kafka-task-runner';
import { TaskFencedError } from '../kafka/kafka-task-log';
import { Logger } from '../core/logger';
import { backoff, sleep } from '../core/sleep';
import { StreamsMetrics } from '../runtime/metrics';
import { StateRestoreListener } from '../state/restore-listener';
import { OffsetReset } from '../runtime/task';
import { SchemaRegistryOption } from '../kafka/schema-registry-setup';

export interface RunOptions {
  topology: Topology;
  taskIds: string[];
  brokers: string[];
  stateDir: string;
  partitions: number;
  logger: Logger;
  maxBatchSize?: number;
  maxBatchBytes?: number;
  commitIntervalMs?: number;
  reportLines?: boolean;
  resetOffsets?: OffsetReset;
  rebuildState?: boolean;
  /** Restarts of one task after a transient failure before the process gives up. */
  maxRestarts?: number;
  print?: (line: string) => void;
  metrics?: StreamsMetrics;
  /** Told of each store restore of every task (the CLI prints progress lines). */
  restoreListener?: StateRestoreListener;
  /** Delete consumed records of internal topics after commit (`--purge-internal-topics`). */
  purgeInternalTopics?: boolean;
  /** The tasks' transaction timeout (`--transaction-timeout-ms`). */
  transactionTimeoutMs?: number;
  /** Where tasks commit their offsets (group-managed mode: the application's group); default `<app>-<task>`. */
  commitGroupId?: string;
  /** Schema registry URL (or client): Avro values in the Confluent wire format. */
  schemaRegistry?: SchemaRegistryOption;
}


/** Errors a fresh start of the task can get past: the broker, a coordinator, a transaction in an unknown state. */
function isTransient(err: unknown): boolean {
  if (err instanceof TaskFencedError) return false;
  if (err instanceof StreamsError) return err.retriable || err.code === 'TRANSACTION_STATE_UNKNOWN';
  return true; // kafkajs errors: restarting re-reads the truth from the log (committed offsets, changelogs)
}

/**
 * `topology run`: every requested task in this process, each isolated (own consumer, producer, RocksDB). A task
 * that fails transiently is restarted from its last commit (an expired transaction is one of those). A fenced task
 * (another instance runs it now) stops alone, and the others go on; when no task is left the process exits with the
 * fence. Any other fatal error stops the process. Resolves when stopped by `stop()`; rejects with the first fatal
 * error.
 */
export class TaskSupervisor {
  private readonly runners = new Map<string, KafkaTaskRunner>();
  private stopping = false;
  /** Tasks another instance took over: they stopped, the others run on. */
  private readonly fenced = new Map<string, TaskFencedError>();
  private fatal!: (err: unknown) => void;
  private readonly failed = new Promise<never>((_, reject) => (this.fatal = reject));

  constructor(private readonly opts: RunOptions) {
    this.failed.catch(() => undefined);
  }

  async run(): Promise<void> {
    const print = this.opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
    try {
      await Promise.race([Promise.all(this.opts.taskIds.map((id) => this.keepRunning(id, print))), this.failed]);
      const [firstFence] = this.fenced.values();
      if (firstFence && !this.stopping) throw firstFence;
    } catch (err) {
      // One task's fatal error stops the process: close the others cleanly first, so none leaves a transaction open
      // (it would hold back read_committed consumers downstream until it times out).
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.closers()).map((close) => close()));
  }

  /** How far a running task's state has read its changelogs (for the group's assignor), if it is open. */
  statePosition(taskId: string): number | undefined {
    return this.runners.get(taskId)?.statePosition;
  }

  /** One stop function per task (`task payment-0`), for a shutdown that names what did not close in time. */
  closers(): Record<string, () => Promise<void>> {
    return Object.fromEntries(
      this.opts.taskIds.map((id) => [
        `task ${id}`,
        async () => {
          this.stopping = true;
          await this.runners.get(id)?.stop();
        },
      ]),
    );
  }

  private async keepRunning(taskId: string, print: (line: string) => void): Promise<void> {
    const maxRestarts = this.opts.maxRestarts ?? 10;
    for (let restarts = 0; !this.stopping; restarts++) {
      const runner = new KafkaTaskRunner({ ...this.opts, taskId, onReport: (line) => print(line) });
      this.runners.set(taskId, runner);
      try {
        await runner.start();
        await runner.finished;
        return;
      } catch (err) {
        if (this.stopping) return;
        // The budget is for failures in a row: a task that got work done since its last start earns it back.
        if (runner.processed > 0) restarts = 0;
        if (err instanceof TaskFencedError) {
          this.fenced.set(taskId, err);
          const others = this.opts.taskIds.filter((id) => !this.fenced.has(id));
          this.opts.logger.error({ task: taskId, err: describe(err) }, `task ${taskId} stopped: ${describe(err)}${others.length ? `; the other tasks go on (${others.join(' ')})` : ''}`);
          return;
        }
        if (!isTransient(err) || restarts >= maxRestarts) {
          this.opts.logger.error({ task: taskId, err: describe(err) }, `task ${taskId} stopped: ${describe(err)}`);
          this.fatal(err);
          return;
        }
        const wait = backoff(restarts, 500, 10_000);
        this.opts.logger.warn({ task: taskId, err: describe(err), backoff: wait }, `task ${taskId} failed; restarting from its last commit in ${wait} ms`);
        await sleep(wait);
      }
    }
  }
}

export function describe(err: unknown): string {
  if (err instanceof StreamsError) return `${err.message} [${err.code}]`;
  return err instanceof Error ? err.message : String(err);
}
