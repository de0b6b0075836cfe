/**
 * Mocha root hooks (loaded via .mocharc.json "require"): stop the test broker
 * that test/support/broker.ts may have started, once all test files are done.
 */
import { stopBrokerIfStarted } from './broker';

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await stopBrokerIfStarted();
  },
};
