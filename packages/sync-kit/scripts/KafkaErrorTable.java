import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;

/**
 * Prints the rows of sync-kit's Kafka error table (src/adapters/kafka-error-table.ts) from the
 * broker's own source of truth: every error code of org.apache.kafka.common.protocol.Errors, and
 * whether Kafka's exception for it is a RetriableException.
 *
 *   java -cp "$HOME/.cache/faultline/kafka-<version>/libs/*" scripts/KafkaErrorTable.java
 */
public class KafkaErrorTable {
  public static void main(String[] args) {
    for (Errors e : Errors.values()) {
      if (e == Errors.NONE) continue;
      boolean retriable = e.exception() instanceof RetriableException;
      System.out.println("  [" + e.code() + ", '" + e.name() + "', " + retriable + "],");
    }
  }
}
