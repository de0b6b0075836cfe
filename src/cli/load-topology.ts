import { existsSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Topology } from '../dsl/topology';
import { StreamsError } from '../core/errors/streams-error';
import { findUp } from '../core/find-up';
import type { CliPlugin } from './plugin';

/** A loaded topology module: its topology and its CLI plugin (empty when it exports no `cli`). */
export interface TopologyModule {
  file: string;
  topology: Topology;
  cli: CliPlugin;
}

const loadFailed = (message: string, cause?: unknown) => new StreamsError(message, { code: 'TOPOLOGY_LOAD_FAILED', cause });

/** The `"topology"` field of a package.json, resolved against its folder; undefined without one. */
function topologyField(packageJson: string): string | undefined {
  let field: unknown;
  try {
    field = (JSON.parse(readFileSync(packageJson, 'utf8')) as { topology?: unknown }).topology;
  } catch (err) {
    throw loadFailed(`cannot read ${packageJson}: ${err instanceof Error ? err.message : err}`, err);
  }
  if (field === undefined) return undefined;
  if (typeof field !== 'string' || field === '') throw loadFailed(`${packageJson}: "topology" must be a file path`);
  return resolve(dirname(packageJson), field);
}

/** The nearest package.json in `from` or above, or undefined. */
function nearestPackageJson(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'package.json');
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The topology used without `--topology`: the `"topology"` field of the project's package.json (the nearest one
 * above the working directory), else the one of this package (the app it ships with).
 */
export function defaultTopologyFile(cwd: string = process.cwd()): string {
  const project = nearestPackageJson(cwd);
  const file = (project && topologyField(project)) ?? topologyField(findUp('package.json', __dirname));
  if (!file) throw loadFailed('no topology given: pass --topology FILE, or set "topology" in package.json');
  return file;
}

function isPlugin(value: unknown): value is CliPlugin {
  if (typeof value !== 'object' || value === null) return false;
  const { commands, produceValue, topologyOptions, configure } = value as Record<string, unknown>;
  const commandOk = (c: unknown) =>
    typeof c === 'object' && c !== null && typeof (c as Record<string, unknown>).command === 'string' && typeof (c as Record<string, unknown>).handler === 'function';
  return (
    (commands === undefined || (Array.isArray(commands) && commands.every(commandOk))) &&
    (produceValue === undefined || typeof produceValue === 'function') &&
    (topologyOptions === undefined || (typeof topologyOptions === 'object' && topologyOptions !== null)) &&
    (configure === undefined || typeof configure === 'function')
  );
}

/** This package's folder (the one with its package.json), from src/cli under tsx or dist/src/cli when built. */
const packageRoot = () => dirname(findUp('package.json', __dirname));

/** Whether this code runs compiled (dist/), not as TypeScript through tsx. */
const compiled = () => !__filename.endsWith('.ts');

const TYPESCRIPT = /\.[cm]?tsx?$/;

/**
 * The compiled twin of one of this package's own TypeScript sources (`src/x.ts` → `dist/src/x.js`, `topology/...`
 * likewise), when it exists; else undefined.
 */
function distTwin(file: string): string | undefined {
  if (!TYPESCRIPT.test(file)) return undefined;
  const root = packageRoot();
  const rel = relative(root, file);
  if (!(rel.startsWith(`src${sep}`) || rel.startsWith(`topology${sep}`))) return undefined;
  const twin = join(root, 'dist', rel.replace(TYPESCRIPT, '.js'));
  return existsSync(twin) ? twin : undefined;
}

let tsxLoaded = false;

/**
 * Makes a TypeScript file requirable from the compiled CLI: registers tsx's require hook (only now, when a `.ts`
 * topology is given), and sends its imports of this package's own sources (`../src`, as the repository's examples
 * and tests write them) to their compiled twins, so that the module and the CLI share one copy of the library (its
 * classes, as `instanceof Topology` needs).
 */
function loadTsx(): void {
  if (tsxLoaded) return;
  tsxLoaded = true;
  (require('tsx/cjs/api') as { register(): () => void }).register();
  type Resolve = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
  const loader = Module as unknown as { _resolveFilename: Resolve };
  const resolveWithTsx = loader._resolveFilename;
  loader._resolveFilename = function (this: unknown, request, parent, isMain, options) {
    const resolved = resolveWithTsx.call(this, request, parent, isMain, options);
    return distTwin(resolved) ?? resolved;
  };
}

/**
 * Requires a topology module. Under tsx (running from the sources) any file loads as is. Compiled, one of this
 * package's own TypeScript files (the default, `topology/wallet/index.ts`) loads as its dist/ twin, and any other
 * TypeScript file through tsx.
 */
function requireModule(path: string): Record<string, unknown> {
  if (compiled() && TYPESCRIPT.test(path)) {
    const twin = distTwin(path);
    if (twin) return require(twin);
    loadTsx();
  }
  return require(path);
}

/**
 * Loads a topology module (TypeScript works: through tsx). The module exports a built Topology as `default`,
 * `topology`, or any other name, and optionally a `CliPlugin` as `cli`.
 */
export function loadTopologyModule(file: string = defaultTopologyFile()): TopologyModule {
  const path = resolve(file);
  let mod: Record<string, unknown>;
  try {
    mod = requireModule(path);
  } catch (err) {
    throw loadFailed(`cannot load topology file ${path}: ${err instanceof Error ? err.message : err}`, err);
  }
  const candidates = [mod.default, mod.topology, ...Object.values(mod)];
  const topology = candidates.find((c): c is Topology => c instanceof Topology);
  if (!topology) throw loadFailed(`${path} exports no Topology (export one built with defineTopology)`);
  if (mod.cli !== undefined && !isPlugin(mod.cli)) {
    throw loadFailed(`${path}: the "cli" export is not a CliPlugin ({ commands?: [{ command, describe, builder?, handler }], produceValue?, topologyOptions?, configure? })`);
  }
  return { file: path, topology, cli: (mod.cli as CliPlugin | undefined) ?? {} };
}

export function loadTopology(file?: string): Topology {
  return loadTopologyModule(file).topology;
}
