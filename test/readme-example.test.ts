import { strict as assert } from 'node:assert';
import shop from '../topology/shop';
import { TopologyTestDriver } from '../src/testing';

// The README's "Writing a topology" and "Testing a topology" sections, run as written.
describe('README example (topology/shop.ts)', () => {
  it('totals orders per customer, ignores a re-sent order, survives a crash inside a commit', async () => {
    const driver = await TopologyTestDriver.create(shop, { partitions: 2 });
    const orders = driver.inputTopic('shop.order');
    await orders.pipe('o-1', { customer: 'ann', total: 5 });
    await orders.pipe('o-2', { customer: 'ann', total: 7 });
    await orders.pipe('o-1', { customer: 'ann', total: 5 });
    assert.equal(driver.outputTopic('shop.customer_total').readLatest().get('ann'), 12);

    const task = driver.taskIds.find((id) => id.startsWith('totals-') && id.endsWith(String(driver.outputTopic('shop.customer_total').readAll()[0].partition)))!;
    driver.failNext(task, 'after-transaction');
    await orders.pipe('o-3', { customer: 'ann', total: 1 });
    await driver.restart(task);
    assert.deepEqual(await driver.store(task, 'customer-total'), [{ key: 'ann', value: 13 }]);
    assert.equal(driver.outputTopic('shop.customer_total').readLatest().get('ann'), 13);
    await driver.close();
  });
});
