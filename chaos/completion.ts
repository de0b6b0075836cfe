/**
 * Waits until the wallet has processed everything sent: each payment task's committed offset reached the end of
 * its transfer-request partition, then each accountant's committed offset passed the last committed leg of its
 * payment partition. Offsets are committed in the same transaction as a batch's outputs, so by then every output
 * is committed. (The end offset of a transactional topic counts commit markers, so for wallet.payment the last
 * leg is found by reading it read_committed.)
 */
import { Admin, Kafka, logLevel } from 'kafkajs';
import { readCommitted } from './checker/read-committed';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitForOutputs(o: { brokers: string; walletId: string; timeoutMs: number; say: (line: string) => void }): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  const kafka = new Kafka({ clientId: `chaos-completion-${o.walletId}`, brokers: o.brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const requests = `${o.walletId}.transfer_request`;
    const payments = `${o.walletId}.payment`;
    const requestEnds = new Map((await admin.fetchTopicOffsets(requests)).map((p) => [p.partition, Number(p.high)]));
    await waitForCommitted(admin, 'payment', o.walletId, requests, requestEnds, deadline);
    o.say(`every transfer request is processed (payment tasks' offsets at ${[...requestEnds.values()].join(', ')})`);

    const legs = (await readCommitted(o.brokers, [payments], Math.max(1_000, deadline - Date.now()))).get(payments)!;
    const afterLastLeg = new Map<number, number>([...legs.bounds.keys()].map((p) => [p, 0]));
    for (const r of legs.records) afterLastLeg.set(r.partition, Math.max(afterLastLeg.get(r.partition) ?? 0, r.offset + 1));
    await waitForCommitted(admin, 'accountant', o.walletId, payments, afterLastLeg, deadline);
    o.say(`every leg is applied (${legs.records.length} legs; accountants' offsets past ${[...afterLastLeg.values()].join(', ')})`);
  } finally {
    await admin.disconnect();
  }
}

/** Polls the groups `<app>-<sub-topology>-<partition>` until each one's committed offset on `topic` reaches its target. */
async function waitForCommitted(admin: Admin, subTopology: string, walletId: string, topic: string, targets: Map<number, number>, deadline: number): Promise<void> {
  for (const [partition, target] of targets) {
    const groupId = `${walletId}-${subTopology}-${partition}`;
    let committed = -1;
    for (;;) {
      try {
        const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
        committed = Number(offsets.flatMap((t) => t.partitions).find((p) => p.partition === partition)?.offset ?? -1);
      } catch {
        /* the coordinator may be loading after a broker restart: ask again */
      }
      if (committed >= target) break;
      if (Date.now() > deadline) throw new Error(`outputs incomplete: group ${groupId} committed ${committed} on ${topic}[${partition}], the end is ${target}`);
      await sleep(500);
    }
  }
}
