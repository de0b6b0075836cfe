/**
 * The original Go demo's HTTP contract (marselester/distributed-payment, rest/transfer_service_test.go and its
 * README), case by case: a client of the demo gets the same status, Content-Type and body bytes from our API.
 * The demo's handler answered through Go's json.Encoder, so every body ends with a newline; where the demo's test
 * only looked for a fragment, the whole body below is what its handler wrote.
 */
import { strict as assert } from 'node:assert';
import type http from 'node:http';
import { listen } from '../../src/cli/listen';
import { createTransferServer } from '../../topology/wallet/http/transfer-server';
import type { TransferRequest } from '../../topology/wallet/types';

const ID = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';

interface Case {
  name: string;
  body: string;
  status: number;
  want: string;
  /** What publish throws, if anything. */
  publishError?: Error;
}

/** A request body laid out as the demo's tests wrote theirs (one field per line, tab-indented). */
const transfer = (fields: Record<string, string>) => JSON.stringify(fields, null, '\t');
const created = (t: { request_id: string; from: string; amount: string; to: string }) =>
  `{"request_id":"${t.request_id}","from":"${t.from}","amount":"${t.amount}","to":"${t.to}"}\n`;
const invalid = (message: string, code: string) => `${JSON.stringify({ message, code })}\n`;

const PROBLEMS_PARSING_JSON = '{"message":"problems parsing JSON"}\n';
const LT_MIN = invalid('ensure this value is greater than 0.01', 'amount_lt_min');

const groups: Array<[string, Case[]]> = [
  [
    'a body that is not a transfer object',
    [
      { name: 'body=', body: '', status: 400, want: PROBLEMS_PARSING_JSON },
      { name: 'body={', body: '{', status: 400, want: PROBLEMS_PARSING_JSON },
      { name: 'body=]', body: ']', status: 400, want: PROBLEMS_PARSING_JSON },
      { name: 'amount=int', body: '{"amount": 1}', status: 400, want: PROBLEMS_PARSING_JSON },
    ],
  ],
  [
    'an unexpected error while recording the transfer',
    [
      {
        name: 'publish fails with an unknown error',
        body: transfer({ request_id: ID, from: 'Alice', amount: '1', to: 'Bob' }),
        publishError: new Error('unknown error'),
        status: 500,
        want: '{"message":"internal error"}\n',
      },
    ],
  ],
  [
    'request_id',
    [
      {
        name: 'std uuid form',
        body: transfer({ request_id: ID, from: 'Alice', amount: '1', to: 'Bob' }),
        status: 201,
        want: created({ request_id: ID, from: 'Alice', amount: '1.00', to: 'Bob' }),
      },
      {
        name: 'upper case',
        body: transfer({ request_id: ID.toUpperCase(), from: 'Alice', amount: '1', to: 'Bob' }),
        status: 201,
        want: created({ request_id: ID, from: 'Alice', amount: '1.00', to: 'Bob' }),
      },
      {
        name: 'no hyphens',
        body: transfer({ request_id: ID.replace(/-/g, ''), from: 'Alice', amount: '1', to: 'Bob' }),
        status: 201,
        want: created({ request_id: ID, from: 'Alice', amount: '1.00', to: 'Bob' }),
      },
      {
        name: 'empty',
        body: transfer({ request_id: '', from: 'Alice', amount: '1', to: 'Bob' }),
        status: 400,
        want: invalid('transfer request ID must be valid UUID', 'request_id_invalid'),
      },
    ],
  ],
  [
    'from',
    [
      {
        name: 'missing from',
        body: transfer({ request_id: ID, amount: '1', to: 'Bob' }),
        status: 400,
        want: invalid('transfer sender account is required', 'from_required'),
      },
      {
        name: 'from is cleaned',
        body: transfer({ request_id: ID, from: ' \t Alice \n ', amount: '1', to: 'Bob' }),
        status: 201,
        want: created({ request_id: ID, from: 'Alice', amount: '1.00', to: 'Bob' }),
      },
    ],
  ],
  [
    'amount',
    [
      { name: 'amount lt 0', body: transfer({ request_id: ID, from: 'Alice', amount: '-0.01', to: 'Bob' }), status: 400, want: LT_MIN },
      { name: 'amount eq 0', body: transfer({ request_id: ID, from: 'Alice', amount: '0', to: 'Bob' }), status: 400, want: LT_MIN },
      { name: 'amount lt min', body: transfer({ request_id: ID, from: 'Alice', amount: '0.009', to: 'Bob' }), status: 400, want: LT_MIN },
      {
        name: 'amount eq 0.000000000000000000000000000001',
        body: transfer({ request_id: ID, from: 'Alice', amount: '0.000000000000000000000000000001', to: 'Bob' }),
        status: 400,
        want: LT_MIN,
      },
      { name: 'amount eq 1e-30', body: transfer({ request_id: ID, from: 'Alice', amount: '1e-30', to: 'Bob' }), status: 400, want: LT_MIN },
      {
        name: 'amount 1.009 quantized up',
        body: transfer({ request_id: ID, from: 'Alice', amount: '1.009', to: 'Bob' }),
        status: 201,
        want: created({ request_id: ID, from: 'Alice', amount: '1.01', to: 'Bob' }),
      },
      {
        name: 'amount 1.001 quantized down',
        body: transfer({ request_id: ID, from: 'Alice', amount: '1.001', to: 'Bob' }),
        status: 201,
        want: created({ request_id: ID, from: 'Alice', amount: '1.00', to: 'Bob' }),
      },
      {
        name: 'amount eq min',
        body: transfer({ request_id: ID, from: 'Alice', amount: '0.01', to: 'Bob' }),
        status: 201,
        want: created({ request_id: ID, from: 'Alice', amount: '0.01', to: 'Bob' }),
      },
    ],
  ],
  [
    'to',
    [
      {
        name: 'missing to',
        body: transfer({ request_id: ID, from: 'Alice', amount: '1' }),
        status: 400,
        want: invalid('transfer recipient account is required', 'to_required'),
      },
      {
        name: 'to is cleaned',
        body: transfer({ request_id: ID, from: 'Alice', amount: '1', to: ' \t Bob \n ' }),
        status: 201,
        want: created({ request_id: ID, from: 'Alice', amount: '1.00', to: 'Bob' }),
      },
    ],
  ],
];

describe('the original demo\'s HTTP contract', () => {
  let server: http.Server;
  let base: string;
  let publishError: Error | undefined;
  const published: TransferRequest[] = [];

  before(async () => {
    server = createTransferServer({
      publish: async (t) => {
        if (publishError) throw publishError;
        published.push(t);
      },
      getBalance: () => undefined,
    });
    base = `http://127.0.0.1:${(await listen(server, '127.0.0.1:0')).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    published.length = 0;
    publishError = undefined;
  });

  const post = async (body: string) => {
    const res = await fetch(`${base}/api/v1/transfers`, { method: 'POST', body });
    return { status: res.status, contentType: res.headers.get('content-type'), contentLength: res.headers.get('content-length'), text: await res.text() };
  };

  for (const [group, cases] of groups) {
    describe(`POST /api/v1/transfers: ${group}`, () => {
      for (const c of cases) {
        it(`${c.name} → ${c.status} ${c.want.trim()}`, async () => {
          publishError = c.publishError;
          const r = await post(c.body);
          assert.equal(r.status, c.status);
          assert.equal(r.contentType, 'application/json');
          assert.equal(r.text, c.want);
          // Only an accepted transfer is recorded.
          assert.equal(published.length, c.status === 201 ? 1 : 0);
        });
      }
    });
  }

  it('the README\'s curl → 201, Content-Length: 96 and the demo\'s body', async () => {
    const r = await post(`{"from": "Alice", "to": "Bob", "amount": "0.5", "request_id": "${ID}"}`);
    assert.equal(r.status, 201);
    assert.equal(r.contentType, 'application/json');
    assert.equal(r.contentLength, '96');
    assert.equal(r.text, `{"request_id":"${ID}","from":"Alice","amount":"0.50","to":"Bob"}\n`);
    assert.deepEqual(published.map((t) => ({ ...t, amount: t.amount.toFixed(2) })), [{ request_id: ID, from: 'Alice', to: 'Bob', amount: '0.50' }]);
  });
});
