/** `@faultline/sync-kit/kafka`: the kafkajs adapter, kept apart so kafkajs loads only when used. */
export { KafkaPublisher, createKafkaPublisher } from './adapters/kafka-publisher.js'
export type { KafkaPublisherOptions } from './adapters/kafka-publisher.js'
// consumer side
export { KafkaEventConsumer, createKafkaEventConsumer } from './consumer/kafka-consumer.js'
export type { KafkaEventConsumerOptions } from './consumer/kafka-consumer.js'
