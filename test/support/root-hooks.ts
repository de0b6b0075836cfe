/**
 * Mocha root hooks (loaded via .mocharc.json "require"): stop the test broker and the test schema registry that
 * test/support/broker.ts and test/support/registry.ts may have started, once all test files are done.
 */
import { stopBrokerIfStarted } from './broker';
import { stopRegistryIfStarted } from './registry';

// A registry configured in the developer's environment would switch every CLI process the tests spawn to the
// Confluent wire format; the registry tests pass theirs explicitly (TEST_SCHEMA_REGISTRY_URL names an external one).
delete process.env.SCHEMA_REGISTRY_URL;
delete process.env.TOPOLOGY_SCHEMA_REGISTRY;

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await Promise.all([stopBrokerIfStarted(), stopRegistryIfStarted()]);
  },
};
