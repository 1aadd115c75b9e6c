// A Kafka producer for the systems tests that sets each record's timestamp, which Kafka's console producer
// cannot: Vector's kafka sink stamps a record with the log line's own time, and the aggregator indexes that
// time, so a record stamped with the time it was sent would not be the record Vector writes.
//
// Run from source by the JDK (no build step): java -cp '<kafka libs>/*' RecordProducer.java <bootstrap>
// <client.properties> <topic> [setting=value ...]. Reads one record per stdin line, `key TAB timestamp-ms TAB
// value`, sends each and waits for the broker's acknowledgement, and prints `partition TAB offset` per record.
// Any failure ends the program with the exception and a non-zero status.
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

class RecordProducer {
  public static void main(String[] args) throws Exception {
    if (args.length < 3) throw new IllegalArgumentException("usage: RecordProducer <bootstrap> <client.properties> <topic> [setting=value ...]");
    Properties settings = new Properties();
    try (Reader file = new InputStreamReader(new FileInputStream(args[1]), StandardCharsets.UTF_8)) {
      settings.load(file);
    }
    for (int index = 3; index < args.length; index += 1) {
      String[] setting = args[index].split("=", 2);
      if (setting.length != 2) throw new IllegalArgumentException("not a setting=value: " + args[index]);
      settings.setProperty(setting[0], setting[1]);
    }
    settings.setProperty("bootstrap.servers", args[0]);
    BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(settings, new StringSerializer(), new StringSerializer())) {
      for (String line = input.readLine(); line != null; line = input.readLine()) {
        if (line.isEmpty()) continue;
        String[] fields = line.split("\t", 3);
        if (fields.length != 3) throw new IllegalArgumentException("not key TAB timestamp-ms TAB value: " + line);
        ProducerRecord<String, String> record = new ProducerRecord<>(args[2], null, Long.parseLong(fields[1]), fields[0], fields[2]);
        RecordMetadata stored = producer.send(record).get();
        System.out.println(stored.partition() + "\t" + stored.offset());
      }
    }
  }
}
