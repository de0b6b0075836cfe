import { readFileSync } from 'node:fs';

/** Peak resident set of a process (this one by default), sampled from /proc every `everyMs`. */
export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number = process.pid,
    everyMs = 200,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  get peakMiB(): number {
    this.sample();
    return +(this.peak / 2 ** 20).toFixed(1);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1] ?? 0);
      this.peak = Math.max(this.peak, kb * 1024);
    } catch {
      // the process is gone: keep what was seen
    }
  }
}
