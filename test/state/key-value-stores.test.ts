import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyValueStoreContract } from './key-value-store.contract';
import { InMemoryKeyValueStore } from '../../src/state/in-memory-key-value-store';
import { RocksDbKeyValueStore } from '../../src/state/rocksdb-key-value-store';
import { RocksDbNativeKeyValueStore } from '../../src/state/rocksdb-native-key-value-store';

keyValueStoreContract(
  'in-memory',
  async () => new InMemoryKeyValueStore(),
  async (s) => {
    await s.close();
    return (s as InMemoryKeyValueStore).reopen();
  },
);

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
keyValueStoreContract(
  'rocksdb',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-contract-'));
    dirs.push(dir);
    return RocksDbKeyValueStore.open(dir);
  },
  async (s) => {
    await s.close();
    return RocksDbKeyValueStore.open((s as RocksDbKeyValueStore).location);
  },
);

keyValueStoreContract(
  'rocksdb-native',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-contract-native-'));
    dirs.push(dir);
    return RocksDbNativeKeyValueStore.open(dir);
  },
  async (s) => {
    await s.close();
    return RocksDbNativeKeyValueStore.open((s as RocksDbNativeKeyValueStore).location);
  },
);
