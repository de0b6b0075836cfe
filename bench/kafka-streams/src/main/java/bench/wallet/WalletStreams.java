package bench.wallet;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;
import sun.misc.Signal;

/**
 * The wallet (topology/wallet.ts) with Kafka Streams 3.9, exactly_once_v2, one stream thread:
 *
 *   <prefix>transfer_request (key: request id)
 *     -- payment:    dedupe on request_id (store transfer-dedupe), split into OUTGOING (key from) / INCOMING (key to)
 *   <prefix>payment (key: account)
 *     -- accountant: dedupe on request_id:emission:direction (store payment-dedupe), balance per account (store balance)
 *   <prefix>balance (key: account)
 *
 * Usage: WalletStreams <bootstrap-servers> <application-id> <topic-prefix> <state-dir>
 * Prints "RUNNING" on stdout each time the client reaches RUNNING; SIGTERM/SIGINT close it and exit 0.
 */
public final class WalletStreams {
  static final Duration DEDUPE_RETENTION = Duration.ofDays(7);

  public static Topology topology(String prefix) {
    Serde<String> keys = Serdes.String();
    Serde<GenericRecord> transfers = WalletAvro.serde(WalletAvro.TRANSFER_REQUEST);
    Serde<GenericRecord> payments = WalletAvro.serde(WalletAvro.PAYMENT, WalletAvro.PAYMENT_V1);
    Serde<GenericRecord> balances = WalletAvro.serde(WalletAvro.BALANCE);

    StreamsBuilder builder = new StreamsBuilder();
    // Persistent (RocksDB), changelogged (the default), with the record cache in front like the DSL's stores.
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("transfer-dedupe"), keys, Serdes.Long()).withCachingEnabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("payment-dedupe"), keys, Serdes.Long()).withCachingEnabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("balance"), keys, balances).withCachingEnabled());

    builder.stream(prefix + "transfer_request", Consumed.with(keys, transfers).withName("transfer-requests"))
        .processValues(() -> new Dedupe<GenericRecord>("transfer-dedupe", t -> WalletAvro.str(t, "request_id"), DEDUPE_RETENTION),
            Named.as("transfer-dedupe"), "transfer-dedupe")
        .process(SplitLegs::new, Named.as("split-legs"))
        .to(prefix + "payment", Produced.with(keys, payments).withName("payments-out"));

    builder.stream(prefix + "payment", Consumed.with(keys, payments).withName("payments-in"))
        .processValues(() -> new Dedupe<GenericRecord>("payment-dedupe",
                p -> WalletAvro.str(p, "request_id") + ":" + WalletAvro.str(p, "emission") + ":" + WalletAvro.str(p, "direction"),
                DEDUPE_RETENTION),
            Named.as("payment-dedupe"), "payment-dedupe")
        .process(() -> new ApplyLegs("balance"), Named.as("balance"), "balance")
        .to(prefix + "balance", Produced.with(keys, balances).withName("balances-out"));
    return builder.build();
  }

  public static Properties config(String bootstrap, String applicationId, String stateDir) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // Everything else is Kafka Streams' default: commit.interval.ms 100 under EOS, 10 MB record cache, etc.
    return p;
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("--fingerprints")) {
      System.out.println("transfer_request " + WalletAvro.fingerprintHex(WalletAvro.TRANSFER_REQUEST));
      System.out.println("payment " + WalletAvro.fingerprintHex(WalletAvro.PAYMENT));
      System.out.println("payment-v1 " + WalletAvro.fingerprintHex(WalletAvro.PAYMENT_V1));
      System.out.println("balance " + WalletAvro.fingerprintHex(WalletAvro.BALANCE));
      return;
    }
    if (args.length == 2 && args[0].equals("--describe")) {
      System.out.print(topology(args[1]).describe());
      return;
    }
    if (args.length != 4) {
      System.err.println("usage: WalletStreams <bootstrap-servers> <application-id> <topic-prefix> <state-dir>");
      System.exit(2);
    }
    Topology topology = topology(args[2]);
    KafkaStreams streams = new KafkaStreams(topology, config(args[0], args[1], args[3]));
    CountDownLatch stop = new CountDownLatch(1);
    int[] exitCode = {0};
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING) System.out.println("RUNNING");
      if (now == KafkaStreams.State.ERROR) {
        System.out.println("ERROR");
        exitCode[0] = 1;
        stop.countDown();
      }
    });
    streams.setUncaughtExceptionHandler(e -> {
      System.err.println("wallet-kafka-streams: stream thread failed: " + e);
      e.printStackTrace();
      exitCode[0] = 1;
      stop.countDown();
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    Signal.handle(new Signal("TERM"), s -> stop.countDown());
    Signal.handle(new Signal("INT"), s -> stop.countDown());

    streams.start();
    stop.await();
    boolean closed = streams.close(Duration.ofSeconds(60));
    System.out.println(closed ? "CLOSED" : "CLOSE TIMED OUT");
    System.out.flush();
    System.exit(closed ? exitCode[0] : 1);
  }
}
