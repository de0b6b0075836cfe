/**
 * The chaos checker: reads every wallet topic read_committed and checks it against the harness's input log, with
 * its own decoding (avro-binary, single-object, wallet-records) and its own murmur2. It imports nothing from src/ or
 * topology/ (test/chaos/checker.test.ts holds it to that): it is the independent witness of what the runtime did.
 *
 * Checked, for the distinct requests of the input (a retry carries the same request id and content):
 * - wallet.transfer_request holds every acknowledged request, keyed and partitioned by request id;
 * - wallet.payment holds exactly one OUTGOING leg (the sender's) and one INCOMING leg (the recipient's) per
 *   request, with its amount, keyed by account on murmur2(account)'s partition;
 * - wallet.balance: each account's latest record has the model's balance (the input's distinct transfers summed)
 *   and as its version the number of legs the account took part in (a leg applied twice or never shows there even
 *   after compaction); the latest balances sum to 0; the balance store's changelog agrees;
 * - the dead-letter topics are empty.
 */
import { Kafka, logLevel } from 'kafkajs';
import { centsToString, toCents } from './cents';
import { Findings } from './findings';
import { partitionForKey } from './murmur2';
import { RawRecord, TopicContents, readCommitted } from './read-committed';
import { BalanceRecord, PaymentRecord, TransferRequestRecord, decodeBalance, decodePayment, decodeTransferRequest } from './wallet-records';

export interface CheckOptions {
  brokers: string;
  /** The wallet's application id; its topics are `<id>.transfer_request` etc. (as test/fixtures/isolated-wallet.ts names them). */
  walletId: string;
  /** Every send the broker acknowledged, retries included. */
  sent: TransferRequestRecord[];
  readTimeoutMs?: number;
}

export interface CheckResult {
  ok: boolean;
  sent: number;
  distinct: number;
  accounts: number;
  /** Requests or legs missing: inputs not on the request topic, legs not on the payment topic, legs never applied to a balance. */
  lost: number;
  /** Legs written more than once, or applied to a balance more than once. */
  duplicated: number;
  /** Accounts whose latest balance or version differs from the model (or that have none). */
  wrongBalances: number;
  /** The latest balances summed (must be "0.00"). */
  balanceSum: string;
  deadLetters: number;
  detail: {
    inputRecords: number;
    paymentRecords: number;
    balanceRecords: number;
    lostInputs: number;
    lostLegs: number;
    duplicatedLegs: number;
    lostApplications: number;
    duplicatedApplications: number;
    /** Records keyed or partitioned wrongly, or with content that does not match the input. */
    wrongRecords: number;
    changelogMismatches: number;
  };
  /** The first problems found, in words. */
  problems: string[];
}

/** Decodes a record's value, noting (not throwing) a record the checker cannot read. */
function decoded<T>(r: RawRecord, decode: (b: Buffer) => T, findings: Findings): T | undefined {
  if (r.value === null) return undefined;
  try {
    return decode(r.value);
  } catch (err) {
    findings.note(`${r.topic}[${r.partition}]@${r.offset}: cannot decode (${err instanceof Error ? err.message : String(err)})`);
    return undefined;
  }
}

const keyOf = (r: RawRecord) => (r.key === null ? null : r.key.toString('utf8'));

export async function checkWallet(o: CheckOptions): Promise<CheckResult> {
  const id = o.walletId;
  const topics = { request: `${id}.transfer_request`, payment: `${id}.payment`, balance: `${id}.balance`, balanceChangelog: `${id}-balance-changelog` };
  const deadLetterTopics = await listDeadLetterTopics(o.brokers, id);
  const contents = await readCommitted(o.brokers, [...Object.values(topics), ...deadLetterTopics], o.readTimeoutMs ?? 300_000);
  const findings = new Findings();
  let wrongRecords = 0;
  const wrong = (problem: string) => {
    wrongRecords++;
    findings.note(problem);
  };

  // The input: distinct requests (a retry must repeat its request exactly, else the harness is broken).
  const distinct = new Map<string, TransferRequestRecord>();
  for (const s of o.sent) {
    const prev = distinct.get(s.request_id);
    if (!prev) distinct.set(s.request_id, s);
    else if (prev.from !== s.from || prev.to !== s.to || toCents(prev.amount) !== toCents(s.amount)) findings.note(`input log: request ${s.request_id} was sent with two different contents`);
  }

  const requestTopic = contents.get(topics.request)!;
  const partitions = requestTopic.bounds.size;

  // wallet.transfer_request
  const inputSeen = new Set<string>();
  for (const r of requestTopic.records) {
    const t = decoded(r, decodeTransferRequest, findings);
    if (!t) continue;
    const expected = distinct.get(t.request_id);
    if (keyOf(r) !== t.request_id || r.partition !== partitionForKey(t.request_id, partitions)) wrong(`${r.topic}[${r.partition}]@${r.offset}: request ${t.request_id} has key ${keyOf(r)} on partition ${r.partition}`);
    if (!expected) wrong(`${r.topic}[${r.partition}]@${r.offset}: request ${t.request_id} is not in the input log`);
    else if (expected.from !== t.from || expected.to !== t.to || toCents(expected.amount) !== toCents(t.amount)) wrong(`${r.topic}@${r.offset}: request ${t.request_id} differs from the input log`);
    inputSeen.add(t.request_id);
  }
  const lostInputs = [...distinct.keys()].filter((rid) => !inputSeen.has(rid));
  for (const rid of lostInputs.slice(0, 5)) findings.note(`request ${rid} was acknowledged but is not on ${topics.request}`);

  // wallet.payment
  const paymentTopic = contents.get(topics.payment)!;
  noteDeletedRecords(topics.payment, paymentTopic, findings, 'legs were deleted before the check, so it cannot see them all');
  const legs = new Map<string, PaymentRecord[]>();
  for (const r of paymentTopic.records) {
    const leg = decoded(r, decodePayment, findings);
    if (!leg) continue;
    const where = `${r.topic}[${r.partition}]@${r.offset}`;
    if (keyOf(r) !== leg.account || r.partition !== partitionForKey(leg.account, partitions)) wrong(`${where}: leg of ${leg.account} has key ${keyOf(r)} on partition ${r.partition}`);
    const request = distinct.get(leg.request_id);
    if (!request) {
      wrong(`${where}: leg for request ${leg.request_id}, which is not in the input log`);
      continue;
    }
    const account = leg.direction === 'OUTGOING' ? request.from : request.to;
    if (leg.account !== account || toCents(leg.amount) !== toCents(request.amount)) wrong(`${where}: ${leg.direction} leg of ${leg.request_id} is ${leg.account} ${leg.amount}, expected ${account} ${request.amount}`);
    const k = `${leg.request_id}:${leg.direction}`;
    legs.set(k, [...(legs.get(k) ?? []), leg]);
  }
  let lostLegs = 0;
  let duplicatedLegs = 0;
  for (const rid of distinct.keys()) {
    for (const direction of ['OUTGOING', 'INCOMING']) {
      const n = legs.get(`${rid}:${direction}`)?.length ?? 0;
      if (n === 0) {
        lostLegs++;
        findings.note(`request ${rid}: no ${direction} leg on ${topics.payment}`);
      } else if (n > 1) {
        duplicatedLegs += n - 1;
        findings.note(`request ${rid}: ${n} ${direction} legs on ${topics.payment}`);
      }
    }
    const [out, inc] = [legs.get(`${rid}:OUTGOING`)?.[0], legs.get(`${rid}:INCOMING`)?.[0]];
    if (out && inc && out.emission !== inc.emission) wrong(`request ${rid}: its legs have different emissions (${out.emission}, ${inc.emission})`);
  }

  // The model: each account's balance and leg count from the distinct requests.
  const model = new Map<string, { cents: bigint; legs: number }>();
  const touch = (account: string, delta: bigint) => {
    const m = model.get(account) ?? { cents: 0n, legs: 0 };
    model.set(account, { cents: m.cents + delta, legs: m.legs + 1 });
  };
  for (const t of distinct.values()) {
    touch(t.from, -toCents(t.amount));
    touch(t.to, toCents(t.amount));
  }

  // wallet.balance: the latest record per account (highest offset in its partition; compaction keeps that one).
  const balanceTopic = contents.get(topics.balance)!;
  const latest = latestBalances(balanceTopic.records, findings, wrong, partitions);
  let wrongBalances = 0;
  let lostApplications = 0;
  let duplicatedApplications = 0;
  let sum = 0n;
  for (const b of latest.values()) sum += toCents(b.balance);
  for (const [account, m] of model) {
    const b = latest.get(account);
    const version = b?.version ?? 0;
    if (version < m.legs) lostApplications += m.legs - version;
    if (version > m.legs) duplicatedApplications += version - m.legs;
    if (!b || toCents(b.balance) !== m.cents || version !== m.legs) {
      wrongBalances++;
      findings.note(`account ${account}: ${b ? `balance ${b.balance} at version ${b.version}` : 'no balance record'}, model ${centsToString(m.cents)} after ${m.legs} legs`);
    }
  }
  for (const account of latest.keys()) {
    if (!model.has(account)) {
      wrongBalances++;
      findings.note(`account ${account} has a balance but no transfer in the input`);
    }
  }
  if (sum !== 0n) findings.note(`the latest balances sum to ${centsToString(sum)}, not 0`);

  // The balance store's changelog must hold what wallet.balance shows (state and output committed together).
  let changelogMismatches = 0;
  const changelog = latestByKey(contents.get(topics.balanceChangelog)!.records);
  for (const [account, b] of latest) {
    const raw = changelog.get(account);
    const c = raw ? decoded(raw, decodeBalance, findings) : undefined;
    if (!c || c.balance !== b.balance || c.version !== b.version) {
      changelogMismatches++;
      findings.note(`${topics.balanceChangelog}: ${account} is ${c ? `${c.balance} v${c.version}` : 'missing'}, ${topics.balance} says ${b.balance} v${b.version}`);
    }
  }

  let deadLetters = 0;
  for (const t of deadLetterTopics) {
    const n = contents.get(t)!.records.length;
    deadLetters += n;
    if (n > 0) findings.note(`${t} holds ${n} records`);
  }

  const lost = lostInputs.length + lostLegs + lostApplications;
  const duplicated = duplicatedLegs + duplicatedApplications;
  return {
    ok: findings.total === 0 && sum === 0n,
    sent: o.sent.length,
    distinct: distinct.size,
    accounts: model.size,
    lost,
    duplicated,
    wrongBalances,
    balanceSum: centsToString(sum),
    deadLetters,
    detail: {
      inputRecords: requestTopic.records.length,
      paymentRecords: paymentTopic.records.length,
      balanceRecords: balanceTopic.records.length,
      lostInputs: lostInputs.length,
      lostLegs,
      duplicatedLegs,
      lostApplications,
      duplicatedApplications,
      wrongRecords,
      changelogMismatches,
    },
    problems: findings.problems,
  };
}

/** Latest balance per account; also checks keys, partitions and that versions only grow in log order. */
function latestBalances(records: RawRecord[], findings: Findings, wrong: (p: string) => void, partitions: number): Map<string, BalanceRecord> {
  const latest = new Map<string, { at: RawRecord; value: BalanceRecord }>();
  for (const r of records) {
    const b = decoded(r, decodeBalance, findings);
    if (!b) continue;
    const where = `${r.topic}[${r.partition}]@${r.offset}`;
    if (keyOf(r) !== b.account || r.partition !== partitionForKey(b.account, partitions)) wrong(`${where}: balance of ${b.account} has key ${keyOf(r)} on partition ${r.partition}`);
    const prev = latest.get(b.account);
    if (prev && prev.at.partition === r.partition && r.offset > prev.at.offset && b.version <= prev.value.version) {
      wrong(`${where}: ${b.account} version ${b.version} follows version ${prev.value.version} (@${prev.at.offset})`);
    }
    if (!prev || r.offset > prev.at.offset) latest.set(b.account, { at: r, value: b });
  }
  return new Map([...latest].map(([k, v]) => [k, v.value]));
}

/** The latest record per UTF-8 key of a compacted topic, tombstones removing the key. */
function latestByKey(records: RawRecord[]): Map<string, RawRecord> {
  const out = new Map<string, RawRecord>();
  for (const r of [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    const k = keyOf(r);
    if (k === null) continue;
    if (r.value === null) out.delete(k);
    else out.set(k, r);
  }
  return out;
}

function noteDeletedRecords(topic: string, contents: TopicContents, findings: Findings, consequence: string): void {
  for (const [p, b] of contents.bounds) if (b.start > 0) findings.note(`${topic}[${p}] starts at offset ${b.start}: ${consequence}`);
}

async function listDeadLetterTopics(brokers: string, walletId: string): Promise<string[]> {
  const admin = new Kafka({ clientId: `chaos-checker-topics`, brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const all = await admin.listTopics();
    const ours = (t: string) => t.startsWith(`${walletId}.`) || t.startsWith(`${walletId}-`);
    const found = all.filter((t) => ours(t) && t.endsWith('dead-letter'));
    if (found.length === 0) throw new Error(`no dead-letter topic of ${walletId} on ${brokers} (its topics: ${all.filter(ours).join(', ') || 'none'})`);
    return found;
  } finally {
    await admin.disconnect();
  }
}
