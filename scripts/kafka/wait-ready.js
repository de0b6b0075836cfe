#!/usr/bin/env node
'use strict';
// Waits until a Kafka broker really serves requests (not just accepts TCP):
// a kafkajs admin client must connect, describe the cluster and list topics.
//
//   node scripts/kafka/wait-ready.js <brokers> [timeoutSeconds=90] [pid]
//
// Exit 0 when ready; 1 on timeout; 2 if <pid> is given and that process died.

const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');

const brokers = (process.argv[2] || '127.0.0.1:9092').split(',');
const timeoutMs = Number(process.argv[3] || 90) * 1000;
const pid = process.argv[4] ? Number(process.argv[4]) : undefined;

function alive(p) {
  try {
    process.kill(p, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  try {
    // an exited but unreaped process (zombie) still answers kill(pid, 0)
    const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe() {
  const kafka = new Kafka({
    clientId: 'kafka-wait-ready',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (!cluster.brokers || cluster.brokers.length === 0) throw new Error('no brokers registered yet');
    if (cluster.controller == null || cluster.controller < 0) throw new Error('no active controller yet');
    await admin.listTopics();
    return cluster;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function main() {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'not tried';
  for (;;) {
    if (pid !== undefined && !alive(pid)) {
      console.error(`wait-ready: process ${pid} exited while waiting for ${brokers.join(',')}`);
      return 2;
    }
    try {
      const cluster = await probe();
      if (process.env.WAIT_READY_VERBOSE) {
        console.error(`wait-ready: cluster ${cluster.clusterId}, brokers ${cluster.brokers.length}`);
      }
      return 0;
    } catch (err) {
      lastError = err && err.message ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      console.error(`wait-ready: ${brokers.join(',')} not ready after ${timeoutMs / 1000}s (last error: ${lastError})`);
      return 1;
    }
    await sleep(500);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`wait-ready: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);
