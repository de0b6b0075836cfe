import { ProcessNode, ProcessorApi } from '../../dsl/nodes';
import { TypedStore } from '../../state/typed-store';
import { Envelope, RecordEnvelope } from '../envelope';
import { TaskContext } from '../task-context';
import { BatchStep, asFailure, derive } from './batch-kit';

/**
 * A custom processor: user code with the node's declared stores and `forward` for its outputs. Its reads are not
 * known in advance, so records go through it one at a time; a synchronous processor is not awaited at all, and its
 * store reads are served by the cache when the batch already holds the key.
 */
export function processBatch(node: ProcessNode, ctx: TaskContext): BatchStep {
  const stores = new Map(
    node.stores.map((name) => {
      const def = ctx.topology.subTopology(node.subTopology).stores.find((s) => s.name === name)!;
      return [name, new TypedStore(ctx.store(name), def.keySerde, def.valueSerde, def.changelogTopic)] as const;
    }),
  );
  let current: RecordEnvelope | undefined;
  let out: Envelope[] = [];
  const api: ProcessorApi = {
    taskId: ctx.taskId,
    partition: ctx.partition,
    get streamTime() {
      return current?.time ?? ctx.streamTime;
    },
    store<K, V>(name: string): TypedStore<K, V> {
      const store = stores.get(name);
      if (!store) throw new Error(`node '${node.name}' did not declare store '${name}' (stores: [${node.stores.join(', ')}])`);
      return store as TypedStore<K, V>;
    },
    forward(kv) {
      if (!current) throw new Error(`node '${node.name}' forwarded a record outside of process()`);
      out.push(derive(current, kv.key, kv.value));
    },
  };

  return async (batch) => {
    out = [];
    for (const env of batch) {
      if (env.kind !== 'record') {
        out.push(env);
        continue;
      }
      const mark = out.length;
      current = env;
      try {
        const pending = node.fn(env.record, api);
        if (pending instanceof Promise) await pending;
      } catch (err) {
        out.length = mark;
        out.push(asFailure(node.name, env, err));
      }
    }
    current = undefined;
    const result = out;
    out = [];
    return result;
  };
}
