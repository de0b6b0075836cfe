import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Task metrics in Prometheus form (prom-client), labelled by task; `topology run --metrics ADDR` serves them. */
export class StreamsMetrics {
  readonly registry = new Registry();
  readonly records = new Counter({ name: 'streams_records_processed_total', help: 'Source records processed and committed', labelNames: ['task'], registers: [this.registry] });
  readonly outputs = new Counter({ name: 'streams_records_produced_total', help: 'Output records committed (sinks and dead letters)', labelNames: ['task', 'topic'], registers: [this.registry] });
  readonly deadLetters = new Counter({ name: 'streams_dead_letters_total', help: 'Records sent to the dead-letter topic', labelNames: ['task', 'stage'], registers: [this.registry] });
  readonly commits = new Counter({ name: 'streams_commits_total', help: 'Batches committed', labelNames: ['task'], registers: [this.registry] });
  readonly commitSeconds = new Histogram({ name: 'streams_commit_duration_seconds', help: 'Process + commit time of one batch', labelNames: ['task'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry] });
  readonly restored = new Counter({ name: 'streams_restored_records_total', help: 'Changelog records replayed into stores', labelNames: ['task'], registers: [this.registry] });

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }
}
