/**
 * The chaos run's input: a seeded plan of transfer requests among many accounts, about `retryRate` of the sends
 * repeating an earlier request (same request id and content, as a client retries after a timeout): some at once,
 * some seconds later, some minutes later (across kills and restarts of the tasks). They are sent at a bounded rate
 * through the library's producer (TopicProducer: the wallet's serdes and murmur2 partitioning); a send that fails
 * (a broker outage) is sent again until acknowledged, and only acknowledged sends enter the input log the checker
 * holds the outputs to.
 */
import { appendFileSync } from 'node:fs';
import Decimal from 'decimal.js';
import { Kafka, logLevel } from 'kafkajs';
import { TopicProducer } from '../src/kafka/topic-producer';
import { buildWallet, walletTopics } from '../topology/wallet/topology';
import { TransferRequest } from '../topology/wallet/types';
import { TransferRequestRecord } from './checker';
import { Prng } from './prng';

export interface PlannedSend {
  request: TransferRequestRecord;
  /** A repeat of an earlier request id. */
  retry: boolean;
}

/** Distinct account names of varied lengths (every murmur2 tail case), spread over both partitions. */
export function accountNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `acct-${i}${'_'.repeat(i % 4)}`);
}

/**
 * `transfers` sends in order. A retry repeats a request sent shortly before (within ~1 s at `rate`), 1–10 s before,
 * or anywhere earlier, in the proportions 2:2:1.
 */
export function planSends(o: { transfers: number; accounts: number; retryRate: number; rate: number }, rand: Prng): PlannedSend[] {
  const accounts = accountNames(o.accounts);
  const out: PlannedSend[] = [];
  const firsts: number[] = []; // indexes in `out` of first sends
  for (let i = 0; i < o.transfers; i++) {
    if (firsts.length > 0 && rand.chance(o.retryRate)) {
      const kind = rand.int(1, 5);
      const back = kind <= 2 ? rand.int(1, Math.max(1, Math.round(o.rate))) : kind <= 4 ? rand.int(Math.round(o.rate), Math.round(10 * o.rate)) : i;
      // the first send at or before `back` sends ago (or the earliest one)
      const target = i - back;
      let k = firsts.length - 1;
      while (k > 0 && firsts[k] > target) k--;
      const original = out[firsts[kind === 5 ? rand.int(0, firsts.length - 1) : k]].request;
      out.push({ request: original, retry: true });
      continue;
    }
    const from = rand.pick(accounts);
    let to = rand.pick(accounts);
    while (to === from) to = rand.pick(accounts);
    const cents = rand.int(1, 50_000);
    firsts.push(out.length);
    out.push({ request: { request_id: rand.uuid(), from, to, amount: new Decimal(cents).div(100).toFixed(2) }, retry: false });
  }
  return out;
}

export interface ProduceStats {
  /** Sends acknowledged (the input log). */
  acknowledged: TransferRequestRecord[];
  /** Batches sent again after a failed send (the outcome unknown; the payment step dedupes what did land). */
  resentBatches: number;
  resentRecords: number;
}

/** Sends the plan at `rate` per second (one request per 100 ms tick), resending a failed batch until acknowledged. */
export async function produce(o: { brokers: string; walletId: string; rate: number; inputLogFile: string; say: (line: string) => void; giveUpAfterMs?: number }, plan: PlannedSend[]): Promise<ProduceStats> {
  const topics = walletTopics(`${o.walletId}.`);
  const topology = buildWallet({ applicationId: o.walletId, topics });
  const kafka = new Kafka({ clientId: `chaos-producer-${o.walletId}`, brokers: o.brokers.split(','), logLevel: logLevel.NOTHING });
  const producer = await TopicProducer.connect<string, TransferRequest>(kafka, topology, topics.transferRequest, { key: (v) => v.request_id });
  const stats: ProduceStats = { acknowledged: [], resentBatches: 0, resentRecords: 0 };
  const t0 = Date.now();
  const perTickMax = Math.max(1, Math.ceil(o.rate / 10) * 5); // catching up after an outage: at most 5 ticks' worth at once
  try {
    let next = 0;
    while (next < plan.length) {
      const due = Math.min(plan.length, Math.floor(((Date.now() - t0) / 1000) * o.rate) + 1, next + perTickMax);
      if (due > next) {
        const batch = plan.slice(next, due).map((s) => s.request);
        await sendUntilAcknowledged(producer, batch, stats, o);
        stats.acknowledged.push(...batch);
        appendFileSync(o.inputLogFile, batch.map((r) => `${JSON.stringify(r)}\n`).join(''));
        next = due;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await producer.close().catch(() => undefined);
  }
  return stats;
}

async function sendUntilAcknowledged(producer: TopicProducer<string, TransferRequest>, batch: TransferRequestRecord[], stats: ProduceStats, o: { say: (line: string) => void; giveUpAfterMs?: number }): Promise<void> {
  const giveUpAt = Date.now() + (o.giveUpAfterMs ?? 5 * 60_000);
  for (let attempt = 0; ; attempt++) {
    try {
      await producer.send(batch.map((r) => ({ value: { ...r, amount: new Decimal(r.amount) } })));
      if (attempt > 0) o.say(`producer: a batch of ${batch.length} acknowledged after ${attempt} resends`);
      return;
    } catch (err) {
      if (Date.now() > giveUpAt) throw new Error(`producer: a batch of ${batch.length} was not acknowledged within ${o.giveUpAfterMs ?? 300_000} ms: ${String(err)}`);
      if (attempt === 0) o.say(`producer: send failed (${err instanceof Error ? err.message.slice(0, 160) : String(err)}); resending the same requests until acknowledged`);
      stats.resentBatches++;
      stats.resentRecords += batch.length;
      await new Promise((r) => setTimeout(r, Math.min(2_000, 200 * 2 ** attempt)));
    }
  }
}
