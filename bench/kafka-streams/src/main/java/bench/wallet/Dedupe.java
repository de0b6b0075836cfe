package bench.wallet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualFixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Passes the first record of each id and drops repeats seen within `retention` of stream time. The store maps id to
 * the stream time at which it was first seen (one changelogged entry per id); a stream-time punctuator deletes ids
 * older than the retention.
 */
final class Dedupe<V> extends ContextualFixedKeyProcessor<String, V, V> {
  private final String storeName;
  private final Function<V, String> id;
  private final long retentionMs;
  private KeyValueStore<String, Long> seen;

  Dedupe(String storeName, Function<V, String> id, Duration retention) {
    this.storeName = storeName;
    this.id = id;
    this.retentionMs = retention.toMillis();
  }

  @Override
  public void init(org.apache.kafka.streams.processor.api.FixedKeyProcessorContext<String, V> context) {
    super.init(context);
    seen = context.getStateStore(storeName);
    // A full scan: fine for a benchmark's store; once an hour of stream time keeps it rare.
    context.schedule(Duration.ofMillis(Math.min(retentionMs, Duration.ofHours(1).toMillis())), PunctuationType.STREAM_TIME, this::purge);
  }

  @Override
  public void process(FixedKeyRecord<String, V> record) {
    String key = id.apply(record.value());
    long now = context().currentStreamTimeMs();
    Long firstSeen = seen.get(key);
    if (firstSeen != null && now - firstSeen < retentionMs) return; // a retry or a replay: drop it
    seen.put(key, now);
    context().forward(record);
  }

  private void purge(long streamTime) {
    long horizon = streamTime - retentionMs;
    if (horizon <= 0) return;
    List<String> expired = new ArrayList<>();
    try (KeyValueIterator<String, Long> it = seen.all()) {
      while (it.hasNext()) {
        KeyValue<String, Long> e = it.next();
        if (e.value <= horizon) expired.add(e.key);
      }
    }
    for (String k : expired) seen.delete(k);
  }
}
