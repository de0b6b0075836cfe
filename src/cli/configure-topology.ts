import { Parser } from 'yargs/helpers';
import { StreamsError } from '../core/errors/streams-error';
import { envName } from './env-options';
import type { TopologyModule } from './load-topology';

/**
 * The module's topology as its plugin's topology options shape it (the wallet's `--overdraft-limit 0.00`, or
 * `TOPOLOGY_OVERDRAFT_LIMIT=0.00`), read before yargs declares any command so that every command, built-in or the
 * plugin's, works on the same topology. Without any of those options the module's exported topology stays.
 */
export function configureTopology(module: TopologyModule, argv: string[], env: NodeJS.ProcessEnv = process.env): TopologyModule {
  const { topologyOptions, configure } = module.cli;
  if (!topologyOptions || !configure) return module;
  const named = (type: string) => Object.entries(topologyOptions).filter(([, o]) => o.type === type).map(([name]) => name);
  const parsed = Parser(argv, { string: named('string'), number: named('number'), boolean: named('boolean') });
  const values: Record<string, unknown> = {};
  for (const [name, opt] of Object.entries(topologyOptions)) {
    const raw = parsed[name] ?? env[envName(name)];
    if (raw === undefined) continue;
    if (opt.type === 'number') values[name] = Number(raw);
    else if (opt.type === 'boolean') values[name] = typeof raw === 'boolean' ? raw : /^(1|true|yes|on)$/i.test(String(raw));
    else values[name] = String(raw);
  }
  if (Object.keys(values).length === 0) return module;
  try {
    return { ...module, topology: configure(values) };
  } catch (err) {
    const given = Object.entries(values).map(([k, v]) => `--${k} ${String(v)}`).join(' ');
    throw new StreamsError(`${module.file}: cannot build the topology with ${given}: ${err instanceof Error ? err.message : String(err)}`, { code: 'TOPOLOGY_LOAD_FAILED', cause: err });
  }
}
