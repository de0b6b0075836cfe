import { resolve } from 'node:path';
import { Topology } from '../dsl/topology';
import { StreamsError } from '../errors/streams-error';

export const DEFAULT_TOPOLOGY = resolve(__dirname, '../../topology/wallet.ts');

/**
 * Loads a topology module (TypeScript works: the CLI runs under tsx). The module exports a built Topology as
 * `default`, `topology`, or any other name.
 */
export function loadTopology(file: string = DEFAULT_TOPOLOGY): Topology {
  const path = resolve(file);
  let mod: Record<string, unknown>;
  try {
    mod = require(path);
  } catch (err) {
    throw new StreamsError(`cannot load topology file ${path}: ${err instanceof Error ? err.message : err}`, { code: 'TOPOLOGY_LOAD_FAILED', cause: err });
  }
  const candidates = [mod.default, mod.topology, ...Object.values(mod)];
  const found = candidates.find((c): c is Topology => c instanceof Topology);
  if (!found) throw new StreamsError(`${path} exports no Topology (export one built with defineTopology)`, { code: 'TOPOLOGY_LOAD_FAILED' });
  return found;
}
