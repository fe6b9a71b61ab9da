/**
 * `@faultline/sync-kit/kafka`: the kafkajs adapters (publisher and consumer), kept apart so that
 * kafkajs, an optional peer dependency, loads only when this subpath is imported.
 */
export { createKafkaPublisher } from './adapters/kafka-publisher.js'
export type { KafkaPublisher, KafkaPublisherOptions } from './adapters/kafka-publisher.js'
export { createKafkaEventConsumer } from './adapters/kafka-consumer.js'
export type { KafkaEventConsumer, KafkaEventConsumerOptions } from './adapters/kafka-consumer.js'
