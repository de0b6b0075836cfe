/**
 * The `topology` command's plugin hook. A topology module may export `cli` (a `CliPlugin`) next to its topology:
 * its commands join the built-in ones (`describe`, `topics`, `run`, `produce`, `consume`) whenever that module is the
 * one loaded (`--topology FILE`, or the default from package.json), and `produceValue` adds its own rules to
 * `topology produce`. The library itself ships no application commands.
 */
import type { ArgumentsCamelCase, Argv, Options } from 'yargs';
import type { Topology } from '../dsl/topology';

/** Options every command accepts, a plugin's included (the CLI declares them; a builder adds its own on top). */
export interface CommonCliArgs {
  /** The topology module (TypeScript or JavaScript). */
  topology?: string;
  /** Partitions of topics the topology does not size itself. */
  partitions?: number;
  /** Kafka bootstrap servers, comma-separated. */
  brokers?: string;
  /** After SIGINT/SIGTERM, the longest clean close (`onShutdown`) before the process exits 1. */
  closeTimeoutMs?: number;
  /** Schema registry URL. */
  schemaRegistry?: string;
}

/** What a plugin command's handler gets besides its arguments. */
export interface CliContext {
  /** The topology of the loaded module (the one that declared the command). */
  readonly topology: Topology;
  /** `--partitions`, else the topology's default. */
  readonly partitions: number;
  /** `--brokers`, else `KAFKA_BROKERS`, else `localhost:9092`. */
  readonly brokers: string[];
  /**
   * `--schema-registry`, else `SCHEMA_REGISTRY_URL`, else undefined: the URL to hand to `TopicProducer.connect`,
   * `TopicView.start` or `KafkaTaskRunner` (`schemaRegistry` option) so Avro values use the Confluent wire format.
   */
  readonly schemaRegistry: string | undefined;
  /**
   * For commands that keep running (servers): on the first SIGINT/SIGTERM runs `stop`, then exits 0 (1 if `stop`
   * fails, or has not finished within `--close-timeout-ms`, 30 s by default); a second signal exits at once. A
   * handler that returns without calling it ends the process when its work is done, as usual.
   */
  onShutdown(stop: () => Promise<void>): void;
}

/** One command, declared like a yargs command module; `builder` adds options to the common ones. */
export interface CliCommand<A = CommonCliArgs> {
  /** yargs command string: `'serve'`, or `'replay <topic>'` with the positional declared in `builder`. */
  command: string;
  /** One line for `topology --help`. */
  describe: string;
  builder?: (y: Argv<CommonCliArgs>) => Argv<A>;
  handler: (args: ArgumentsCamelCase<A>, ctx: CliContext) => void | Promise<void>;
}

/** The shape of a topology module's `cli` export. */
export interface CliPlugin {
  commands?: ReadonlyArray<CliCommand<any>>;
  /**
   * How `topology produce --topic <topic>` turns each line's JSON value into the topic's value: return a function
   * (throwing, with a message naming the field, rejects the line) or undefined to keep the default (the value
   * serde's Avro schema, or the JSON as is).
   */
  produceValue?(topic: string, topology: Topology): ((json: unknown) => unknown) | undefined;
  /**
   * Options that shape the topology itself (the wallet's `--overdraft-limit`), declared like yargs options. Every
   * command takes them, from the command line or the environment (`TOPOLOGY_<NAME>`), so `run`, `topics create` and
   * the plugin's own commands all agree on one topology.
   */
  topologyOptions?: Record<string, Options>;
  /**
   * Builds the topology from the values of `topologyOptions` (keyed as declared); called only when one of them is
   * given, else the module's exported topology is used. A value it cannot use is an error that names it.
   */
  configure?(values: Record<string, unknown>): Topology;
}

/** Identity, for type inference: the handler's `args` are typed from what `builder` declares. */
export function defineCliCommand<A>(command: CliCommand<A>): CliCommand<A> {
  return command;
}
