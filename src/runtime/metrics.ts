import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Task metrics in Prometheus form (prom-client), labelled by task; `topology run --metrics ADDR` serves them. */
export class StreamsMetrics {
  readonly registry = new Registry();
  readonly records = new Counter({ name: 'streams_records_processed_total', help: 'Source records processed and committed', labelNames: ['task'], registers: [this.registry] });
  readonly outputs = new Counter({ name: 'streams_records_produced_total', help: 'Output records committed (sinks and dead letters)', labelNames: ['task', 'topic'], registers: [this.registry] });
  readonly deadLetters = new Counter({ name: 'streams_dead_letters_total', help: 'Records sent to the dead-letter topic', labelNames: ['task', 'stage'], registers: [this.registry] });
  readonly commits = new Counter({ name: 'streams_commits_total', help: 'Batches committed', labelNames: ['task'], registers: [this.registry] });
  readonly commitSeconds = new Histogram({ name: 'streams_commit_duration_seconds', help: 'Process + commit time of one batch', labelNames: ['task'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry] });
  readonly restored = new Counter({ name: 'streams_restored_records_total', help: 'Changelog records replayed into stores', labelNames: ['task'], registers: [this.registry] });

  readonly assigned = new Counter({ name: 'streams_tasks_assigned_total', help: 'Active tasks this instance was given at rebalances (group-managed mode)', registers: [this.registry] });
  readonly revoked = new Counter({ name: 'streams_tasks_revoked_total', help: 'Active tasks this instance gave up at rebalances (group-managed mode)', registers: [this.registry] });
  readonly consumerLag = new Gauge({ name: 'streams_consumer_lag_records', help: 'Records between a task\'s position and the end of its source partition, as of its last fetch', labelNames: ['task', 'topic'], registers: [this.registry] });
  readonly restoreRemaining = new Gauge({ name: 'streams_restore_remaining_records', help: 'Changelog records a restoring store still has to replay', labelNames: ['task', 'store'], registers: [this.registry] });
  /** Standby lag, read when scraped from whoever keeps standbys (`trackStandbys`). */
  readonly standbyLag: Gauge;
  private standbys: () => Map<string, number> = () => new Map();

  constructor(defaults = false) {
    const self = this;
    this.standbyLag = new Gauge({
      name: 'streams_standby_lag_records',
      help: 'Changelog records a standby replica still has to read',
      labelNames: ['task'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [task, lag] of self.standbys()) this.set({ task }, lag);
      },
    });
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }

  /** A rebalance gave this instance `got` tasks and took `lost`. */
  rebalanced(got: number, lost: number): void {
    this.assigned.inc(got);
    this.revoked.inc(lost);
  }

  /** Where the standby gauge reads each standby's lag from. */
  trackStandbys(lags: () => Map<string, number>): void {
    this.standbys = lags;
  }
}
