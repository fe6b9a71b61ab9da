/**
 * `@faultline/sync-kit/rabbitmq`: the amqplib publisher, kept apart so that amqplib, an optional
 * peer dependency, loads only when this subpath is imported.
 */
export { createRabbitMqPublisher } from './adapters/rabbitmq-publisher.js'
export type { RabbitMqPublisher, RabbitMqPublisherOptions } from './adapters/rabbitmq-publisher.js'
