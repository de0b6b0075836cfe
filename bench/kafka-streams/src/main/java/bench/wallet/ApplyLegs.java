package bench.wallet;

import java.math.BigDecimal;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The balance per account: each leg adds +amount (INCOMING) or -amount (OUTGOING), counts one version, and the new
 * balance is forwarded (every one of them, not only the latest per commit as a cached KTable would).
 */
final class ApplyLegs extends ContextualProcessor<String, GenericRecord, String, GenericRecord> {
  static final String CURRENCY = "USD";
  private final String storeName;
  private KeyValueStore<String, GenericRecord> balances;

  ApplyLegs(String storeName) {
    this.storeName = storeName;
  }

  @Override
  public void init(ProcessorContext<String, GenericRecord> context) {
    super.init(context);
    balances = context.getStateStore(storeName);
  }

  @Override
  public void process(Record<String, GenericRecord> record) {
    GenericRecord leg = record.value();
    String account = WalletAvro.str(leg, "account");
    BigDecimal amount = WalletAvro.decimal(leg, "amount");
    BigDecimal delta = "OUTGOING".equals(WalletAvro.str(leg, "direction")) ? amount.negate() : amount;
    GenericRecord previous = balances.get(account);
    BigDecimal balance = previous == null ? BigDecimal.ZERO.setScale(WalletAvro.AMOUNT_SCALE) : WalletAvro.decimal(previous, "balance");
    long version = previous == null ? 0 : (Long) previous.get("version");

    GenericRecord next = new GenericData.Record(WalletAvro.BALANCE);
    next.put("account", account);
    next.put("balance", balance.add(delta).setScale(WalletAvro.AMOUNT_SCALE));
    next.put("currency", CURRENCY);
    next.put("version", version + 1);
    next.put("request_id", WalletAvro.str(leg, "request_id"));
    balances.put(account, next);
    context().forward(record.withKey(account).withValue(next));
  }
}
