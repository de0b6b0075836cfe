/** The README's example topology: order totals per customer. `npx topology describe --topology topology/shop.ts` */
import { defineTopology, Serdes } from '../src';

export interface Order {
  customer: string;
  total: number;
}

export default defineTopology(
  'shop',
  (t) => {
    t.subTopology('orders', (s) =>
      s
        .stream('shop.order', { serdes: { key: Serdes.string(), value: Serdes.json<Order>() } })
        .dedupe({ name: 'order-dedupe', id: (r) => r.key, retention: '1d' })
        .map((r) => ({ key: r.value.customer, value: r.value.total }), { name: 'by-customer' })
        .to('shop.order_by_customer', { serdes: { key: Serdes.string(), value: Serdes.json<number>() } }),
    );
    t.subTopology('totals', (s) =>
      s
        .stream('shop.order_by_customer', { serdes: { key: Serdes.string(), value: Serdes.json<number>() } })
        .aggregate({ name: 'customer-total', init: () => 0, add: (sum, r) => sum + r.value, serdes: { key: Serdes.string(), value: Serdes.json<number>() } })
        .to('shop.customer_total', { serdes: { key: Serdes.string(), value: Serdes.json<number>() } }),
    );
  },
  { errors: { deserialization: 'dead-letter' } },
);
