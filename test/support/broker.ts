/**
 * A real Kafka broker for the test suite.
 *
 * - `KAFKA_BROKERS` set: that cluster is used as is (nothing is started or stopped).
 * - otherwise: scripts/kafka/start.sh starts a dedicated single-node broker on
 *   127.0.0.1:19092 (controller 29093) with a wiped data dir (.kafka/test-data),
 *   once per mocha process; it is stopped by `stopBrokerIfStarted()` (wired as a
 *   root hook in test/support/root-hooks.ts), else at process exit, else (crash,
 *   SIGKILL) by a watchdog that start.sh runs for this process id.
 *
 * Knobs: KAFKA_TEST_PORT (default 19092).
 */
import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { runKafkaScript, sigkillBroker } from '../../chaos/broker-control';

const ROOT = path.resolve(__dirname, '..', '..');
const START = path.join(ROOT, 'scripts', 'kafka', 'start.sh');
const STOP = path.join(ROOT, 'scripts', 'kafka', 'stop.sh');
const TEST_PORT = Number(process.env.KAFKA_TEST_PORT ?? 19092);
const PID_FILE = path.join(ROOT, '.kafka', 'test-kafka.pid');

/** First run downloads ~46 MB of jars via Maven: allow plenty of time. */
const START_TIMEOUT_MS = 10 * 60_000;
const STOP_TIMEOUT_S = 20;

/** Mocha `this.timeout()` value for hooks/tests that call `useBroker()`. */
export const BROKER_START_TIMEOUT_MS = START_TIMEOUT_MS + 30_000;

let started: Promise<string> | undefined;
let startedPid: number | undefined;
let exitHookInstalled = false;

function brokerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KAFKA_PORT: String(TEST_PORT),
    KAFKA_CONTROLLER_PORT: String(TEST_PORT + 10001),
    KAFKA_DATA_DIR: '.kafka/test-data',
    KAFKA_PID_FILE: PID_FILE,
    KAFKA_FRESH: '1',
    KAFKA_STOP_TIMEOUT: String(STOP_TIMEOUT_S),
    // start.sh's watchdog stops the broker if this process dies without running its exit hooks
    KAFKA_WATCH_PID: String(process.pid),
  };
}

function startBroker(): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile(
      'bash',
      [START],
      { cwd: ROOT, env: brokerEnv(), timeout: START_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        // the pid file exists as soon as java was launched, even if readiness failed
        const pid = readPid();
        if (pid !== undefined) {
          startedPid = pid;
          installExitHook();
        }
        if (err) {
          reject(new Error(`could not start the test Kafka broker (${err.message})\n${stdout}\n${stderr}`));
          return;
        }
        resolve(`127.0.0.1:${TEST_PORT}`);
      },
    );
  });
}

function readPid(): number | undefined {
  try {
    const pid = Number(fs.readFileSync(PID_FILE, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Synchronous stop by pid (usable from a process 'exit' handler). */
function stopSync(): void {
  if (startedPid === undefined) return;
  // stop.sh only signals the pid in the pid file, and only if that pid is still a Kafka broker
  if (readPid() === startedPid) {
    spawnSync('bash', [STOP], { cwd: ROOT, env: brokerEnv(), stdio: 'ignore', timeout: (STOP_TIMEOUT_S + 10) * 1000 });
  }
  startedPid = undefined;
  started = undefined;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', stopSync);
}

/**
 * Brokers string (`host:port[,host:port]`) of a broker the tests may use.
 * Starts a fresh dedicated broker the first time it is called in this process
 * unless KAFKA_BROKERS is set.
 */
export async function useBroker(): Promise<string> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) return external;
  if (!started) {
    started = startBroker();
    started.catch(() => {
      started = undefined; // let a later call retry
    });
  }
  return started;
}

/** Stops the broker this module started (by its pid); no-op otherwise. */
export async function stopBrokerIfStarted(): Promise<void> {
  if (started) await started.catch(() => undefined);
  if (startedPid === undefined) return;
  await new Promise<void>((resolve) => {
    execFile('bash', [STOP], { cwd: ROOT, env: brokerEnv(), timeout: (STOP_TIMEOUT_S + 10) * 1000 }, () => resolve());
  });
  startedPid = undefined;
  started = undefined;
}

/**
 * Freezes the broker this module started (SIGSTOP) for `ms`, then lets it go on (SIGCONT): requests sent meanwhile
 * time out at the client, and the broker handles them when it resumes (a lost reply, as a client sees it).
 * Only the broker started here can be paused; with KAFKA_BROKERS set this throws.
 */
export async function pauseBroker(ms: number): Promise<void> {
  if (startedPid === undefined) throw new Error('pauseBroker needs the broker the tests started (KAFKA_BROKERS is set)');
  process.kill(startedPid, 'SIGSTOP');
  try {
    await new Promise((r) => setTimeout(r, ms));
  } finally {
    process.kill(startedPid, 'SIGCONT');
  }
}

/**
 * SIGKILLs the broker this module started (a crash: no controlled shutdown) and waits until its process is gone.
 * `restartBroker()` brings it back on its data. Only the broker started here can be killed; with KAFKA_BROKERS set
 * this throws.
 */
export async function killBroker(): Promise<void> {
  if (startedPid === undefined) throw new Error('killBroker needs the broker the tests started (KAFKA_BROKERS is set)');
  await sigkillBroker(startedPid);
}

/**
 * Starts the broker this module started again, on its data (KAFKA_FRESH is not set: nothing is wiped), after
 * `killBroker()`; resolves once it serves requests.
 */
export async function restartBroker(): Promise<void> {
  if (startedPid === undefined) throw new Error('restartBroker needs the broker the tests started (KAFKA_BROKERS is set)');
  await runKafkaScript('start.sh', { ...brokerEnv(), KAFKA_FRESH: '0' }, START_TIMEOUT_MS);
  const pid = readPid();
  if (pid === undefined) throw new Error(`restartBroker: start.sh left no pid in ${PID_FILE}`);
  startedPid = pid;
}

/**
 * Restarts the broker this module started with extra settings (`key=value`; none restores the defaults), on its data:
 * a clean stop, then start.sh with KAFKA_EXTRA_CONFIG. For tests of broker behaviour that needs other settings
 * (offsets that expire in a minute). Resolves once it serves requests.
 */
export async function reconfigureBroker(settings: Record<string, string | number> = {}): Promise<void> {
  if (startedPid === undefined) throw new Error('reconfigureBroker needs the broker the tests started (KAFKA_BROKERS is set)');
  await runKafkaScript('stop.sh', brokerEnv(), (STOP_TIMEOUT_S + 10) * 1000);
  const extra = Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n');
  await runKafkaScript('start.sh', { ...brokerEnv(), KAFKA_FRESH: '0', KAFKA_EXTRA_CONFIG: extra }, START_TIMEOUT_MS);
  const pid = readPid();
  if (pid === undefined) throw new Error(`reconfigureBroker: start.sh left no pid in ${PID_FILE}`);
  startedPid = pid;
}

/** Creates the topics that do not exist yet (replication factor 1) and waits for their leaders. */
export async function createTopics(
  brokers: string,
  topics: { topic: string; partitions: number }[],
): Promise<void> {
  const kafka = new Kafka({ clientId: 'test-create-topics', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: 1 })),
        waitForLeaders: true,
      });
    }
    // also covers topics created concurrently by someone else
    await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
  } finally {
    await admin.disconnect();
  }
}
