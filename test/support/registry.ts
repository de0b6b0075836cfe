/**
 * A real schema registry for the test suite: Apicurio Registry 3.x (Confluent-compatible API at /apis/ccompat/v7).
 *
 * - `TEST_SCHEMA_REGISTRY_URL` set: that registry is used as is (nothing is started or stopped), e.g. Redpanda's
 *   `http://localhost:8081`.
 * - otherwise: scripts/registry/start.sh starts a dedicated one on 127.0.0.1:18081 (management 19081), in memory,
 *   once per mocha process, the first time a test asks for it; it is stopped by `stopRegistryIfStarted()` (wired
 *   as a root hook in test/support/root-hooks.ts), else at process exit, else (crash, SIGKILL) by a watchdog that
 *   start.sh runs for this process id. The first start fetches it from Maven Central (about 160 MB, once).
 *
 * Knobs: REGISTRY_TEST_PORT (default 18081).
 */
import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const START = path.join(ROOT, 'scripts', 'registry', 'start.sh');
const STOP = path.join(ROOT, 'scripts', 'registry', 'stop.sh');
const TEST_PORT = Number(process.env.REGISTRY_TEST_PORT ?? 18081);
const PID_FILE = path.join(ROOT, '.registry', 'test-registry.pid');

/** The first run fetches ~160 MB through Maven: allow plenty of time. */
const START_TIMEOUT_MS = 10 * 60_000;
const STOP_TIMEOUT_S = 20;

/** Mocha `this.timeout()` value for hooks/tests that call `useRegistry()`. */
export const REGISTRY_START_TIMEOUT_MS = START_TIMEOUT_MS + 30_000;

let started: Promise<string> | undefined;
let startedPid: number | undefined;
let exitHookInstalled = false;

function registryEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    REGISTRY_PORT: String(TEST_PORT),
    REGISTRY_MANAGEMENT_PORT: String(TEST_PORT + 1000),
    REGISTRY_PID_FILE: PID_FILE,
    REGISTRY_LOG_DIR: '.registry/test-logs',
    REGISTRY_STOP_TIMEOUT: String(STOP_TIMEOUT_S),
    // start.sh's watchdog stops the registry if this process dies without running its exit hooks
    REGISTRY_WATCH_PID: String(process.pid),
  };
}

function readPid(): number | undefined {
  try {
    const pid = Number(fs.readFileSync(PID_FILE, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function startRegistry(): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile('bash', [START], { cwd: ROOT, env: registryEnv(), timeout: START_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      // the pid file exists as soon as java was launched, even if readiness failed
      const pid = readPid();
      if (pid !== undefined) {
        startedPid = pid;
        installExitHook();
      }
      if (err) {
        reject(new Error(`could not start the test schema registry (${err.message})\n${stdout}\n${stderr}`));
        return;
      }
      resolve(`http://127.0.0.1:${TEST_PORT}/apis/ccompat/v7`);
    });
  });
}

/** Synchronous stop by pid (usable from a process 'exit' handler). */
function stopSync(): void {
  if (startedPid === undefined) return;
  // stop.sh only signals the pid in the pid file, and only if that pid still runs the registry
  if (readPid() === startedPid) spawnSync('bash', [STOP], { cwd: ROOT, env: registryEnv(), stdio: 'ignore', timeout: (STOP_TIMEOUT_S + 10) * 1000 });
  startedPid = undefined;
  started = undefined;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', stopSync);
}

/**
 * The base URL of the Confluent-compatible API of a registry the tests may use (for `--schema-registry`). Starts a
 * dedicated, empty one the first time it is called in this process unless TEST_SCHEMA_REGISTRY_URL is set.
 */
export async function useRegistry(): Promise<string> {
  const external = process.env.TEST_SCHEMA_REGISTRY_URL?.trim();
  if (external) return external.replace(/\/+$/, '');
  if (!started) {
    started = startRegistry();
    started.catch(() => {
      started = undefined; // let a later call retry
    });
  }
  return started;
}

/** Stops the registry this module started (by its pid); no-op otherwise. */
export async function stopRegistryIfStarted(): Promise<void> {
  if (started) await started.catch(() => undefined);
  if (startedPid === undefined) return;
  await new Promise<void>((resolve) => {
    execFile('bash', [STOP], { cwd: ROOT, env: registryEnv(), timeout: (STOP_TIMEOUT_S + 10) * 1000 }, () => resolve());
  });
  startedPid = undefined;
  started = undefined;
}
