/**
 * The broker a chaos run kills and restarts. `BrokerControl` is what the harness needs; `OwnBroker` is a
 * single-node broker of the run's own (scripts/kafka/start.sh on 127.0.0.1:49092, data in .kafka/chaos-data,
 * wiped at the first start only), and the test suite passes one for its own broker (test/support/broker.ts).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface BrokerControl {
  readonly brokers: string;
  /** SIGKILL the broker; resolves once its process is gone. Absent for a cluster the harness may not kill. */
  kill?(): Promise<void>;
  /** Starts it again on its data (nothing wiped); resolves once it serves requests. */
  restart?(): Promise<void>;
}

const ROOT = resolve(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Alive and not a zombie (an exited but unreaped process still answers signal 0). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true; // no procfs: trust the signal
  }
}

/** SIGKILLs a broker by pid, only if that pid is a Kafka broker (never a reused pid), and waits until it is gone. */
export async function sigkillBroker(pid: number, timeoutMs = 30_000): Promise<void> {
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    /* no procfs, or already gone */
  }
  if (cmdline && !cmdline.includes('kafka.Kafka ')) throw new Error(`pid ${pid} is not a Kafka broker (${cmdline.slice(0, 80)}); not killing it`);
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`broker pid ${pid} still alive ${timeoutMs} ms after SIGKILL`);
    await sleep(50);
  }
}

/** Runs scripts/kafka/<script> with `env`; fails with its output. */
export function runKafkaScript(script: 'start.sh' | 'stop.sh', env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile('bash', [join(ROOT, 'scripts', 'kafka', script)], { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`scripts/kafka/${script} failed (${err.message})\n${stdout}\n${stderr}`));
      else resolvePromise(`${stdout}${stderr}`);
    });
  });
}

export class OwnBroker implements BrokerControl {
  readonly brokers: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly pidFile: string;

  constructor(readonly port = 49092, dataDir = '.kafka/chaos-data') {
    this.brokers = `127.0.0.1:${port}`;
    this.pidFile = join(ROOT, '.kafka', 'chaos-kafka.pid');
    this.env = {
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(port + 10001),
      KAFKA_DATA_DIR: dataDir,
      KAFKA_PID_FILE: this.pidFile,
      KAFKA_STOP_TIMEOUT: '20',
      // start.sh's watchdog stops the broker if the harness dies without stopping it (crash, SIGKILL)
      KAFKA_WATCH_PID: String(process.pid),
      // KAFKA_FRESH is set per call: the first start wipes the data dir, a restart after a kill must not
    };
  }

  /** Starts the broker on an empty data dir (the first download of its jars can take minutes). */
  async start(): Promise<void> {
    await runKafkaScript('start.sh', { ...this.env, KAFKA_FRESH: '1' }, 10 * 60_000);
  }

  async kill(): Promise<void> {
    await sigkillBroker(this.pid());
  }

  async restart(): Promise<void> {
    await runKafkaScript('start.sh', { ...this.env, KAFKA_FRESH: '0' }, 3 * 60_000);
  }

  /** Stops it (SIGTERM, then SIGKILL), by the pid in its pid file only. */
  async stop(): Promise<void> {
    await runKafkaScript('stop.sh', this.env, 60_000).catch(() => undefined);
  }

  private pid(): number {
    const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no broker pid in ${this.pidFile}`);
    return pid;
  }
}
