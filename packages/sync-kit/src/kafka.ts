/** `@faultline/sync-kit/kafka`: the kafkajs adapter, kept apart so kafkajs loads only when used. */
export { KafkaPublisher, createKafkaPublisher } from './adapters/kafka-publisher.js'
export type { KafkaPublisherOptions } from './adapters/kafka-publisher.js'
