package bench.wallet;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The wallet's Avro schemas (copied from schemas/ into the jar at build time) and single-object encoding serdes:
 * C3 01, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form, then the
 * binary datum. Avro's BinaryMessageEncoder/Decoder implement exactly that. Decimals are BigDecimal (scale 2).
 */
public final class WalletAvro {
  private WalletAvro() {}

  /** Generic records with decimal(18,2) fields as BigDecimal. */
  public static final GenericData MODEL = new GenericData();

  static {
    MODEL.addLogicalTypeConversion(new Conversions.DecimalConversion());
  }

  public static final Schema TRANSFER_REQUEST = load("schemas/transfer_request.avsc");
  public static final Schema PAYMENT = load("schemas/payment.avsc");
  public static final Schema PAYMENT_V1 = load("schemas/history/payment-v1.avsc");
  public static final Schema BALANCE = load("schemas/balance.avsc");
  public static final Schema DIRECTION = PAYMENT.getField("direction").schema();

  public static final int AMOUNT_SCALE = 2;

  static Schema load(String resource) {
    try (InputStream in = WalletAvro.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException("schema resource " + resource + " is missing from the jar");
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The fingerprint as the unsigned hex our TS code prints (fingerprintHex in src/serde/crc64-avro.ts). */
  public static String fingerprintHex(Schema schema) {
    return String.format("%016x", SchemaNormalization.parsingFingerprint64(schema));
  }

  /** A serde writing `schema` and reading it plus any older `writers` (resolved to `schema`). */
  public static Serde<GenericRecord> serde(Schema schema, Schema... writers) {
    BinaryMessageEncoder<GenericRecord> encoder = new BinaryMessageEncoder<>(MODEL, schema);
    BinaryMessageDecoder<GenericRecord> decoder = new BinaryMessageDecoder<>(MODEL, schema);
    for (Schema w : writers) decoder.addSchema(w);
    Serializer<GenericRecord> ser = (topic, record) -> {
      if (record == null) return null;
      try {
        ByteBuffer buf = encoder.encode(record);
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
      } catch (IOException | RuntimeException e) {
        throw new SerializationException("cannot encode " + schema.getFullName() + " for " + topic, e);
      }
    };
    Deserializer<GenericRecord> de = (topic, bytes) -> {
      if (bytes == null) return null;
      try {
        return decoder.decode(bytes);
      } catch (IOException | RuntimeException e) {
        throw new SerializationException("cannot decode " + schema.getFullName() + " from " + topic, e);
      }
    };
    return Serdes.serdeFrom(ser, de);
  }

  public static String str(GenericRecord r, String field) {
    Object v = r.get(field);
    return v == null ? null : v.toString();
  }

  public static BigDecimal decimal(GenericRecord r, String field) {
    return (BigDecimal) r.get(field);
  }
}
