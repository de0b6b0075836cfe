package bench.wallet;

import java.math.BigDecimal;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transfer request becomes its two legs: OUTGOING keyed by `from`, INCOMING keyed by `to`, both carrying the
 * request's emission ("partition:offset" of the request). Requests no valid producer can write are logged and dropped
 * (our wallet sends them to the dead-letter topic instead).
 */
final class SplitLegs extends ContextualProcessor<String, GenericRecord, String, GenericRecord> {
  private static final Logger LOG = LoggerFactory.getLogger(SplitLegs.class);

  @Override
  public void process(Record<String, GenericRecord> record) {
    GenericRecord t = record.value();
    String requestId = WalletAvro.str(t, "request_id");
    String from = WalletAvro.str(t, "from");
    String to = WalletAvro.str(t, "to");
    BigDecimal amount = WalletAvro.decimal(t, "amount");
    if (amount.signum() <= 0 || from.isBlank() || to.isBlank() || from.equals(to)) {
      LOG.warn("transfer {}: invalid (amount {}, from '{}', to '{}'), dropped", requestId, amount, from, to);
      return;
    }
    RecordMetadata source = context().recordMetadata().orElseThrow();
    String emission = source.partition() + ":" + source.offset();
    context().forward(record.withKey(from).withValue(leg(requestId, from, "OUTGOING", amount, emission)));
    context().forward(record.withKey(to).withValue(leg(requestId, to, "INCOMING", amount, emission)));
  }

  private static GenericRecord leg(String requestId, String account, String direction, BigDecimal amount, String emission) {
    GenericRecord leg = new GenericData.Record(WalletAvro.PAYMENT);
    leg.put("request_id", requestId);
    leg.put("account", account);
    leg.put("direction", new GenericData.EnumSymbol(WalletAvro.DIRECTION, direction));
    leg.put("amount", amount);
    leg.put("emission", emission);
    return leg;
  }
}
