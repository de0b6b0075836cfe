import { OperatorFunction } from 'rxjs';
import { ProcessNode, ProcessorApi } from '../../dsl/nodes';
import { TypedStore } from '../../state/typed-store';
import { Envelope } from '../envelope';
import { TaskContext } from '../task-context';
import { callUserAsync, derive, onRecords } from './on-records';

/** A custom processor: user code with the node's declared stores and `forward` for its outputs. */
export function processRecord(node: ProcessNode, ctx: TaskContext): OperatorFunction<Envelope, Envelope> {
  const stores = new Map(
    node.stores.map((name) => {
      const def = ctx.topology.subTopology(node.subTopology).stores.find((s) => s.name === name)!;
      return [name, new TypedStore(ctx.store(name), def.keySerde, def.valueSerde, def.changelogTopic)] as const;
    }),
  );
  return onRecords(node.name, async (record) => {
    const out: Envelope[] = [];
    const api: ProcessorApi = {
      taskId: ctx.taskId,
      partition: ctx.partition,
      get streamTime() {
        return ctx.streamTime;
      },
      store<K, V>(name: string): TypedStore<K, V> {
        const store = stores.get(name);
        if (!store) throw new Error(`node '${node.name}' did not declare store '${name}' (stores: [${node.stores.join(', ')}])`);
        return store as TypedStore<K, V>;
      },
      forward(kv) {
        out.push(derive(record, kv.key, kv.value));
      },
    };
    await callUserAsync(node.name, record, () => node.fn(record, api));
    return out;
  });
}
