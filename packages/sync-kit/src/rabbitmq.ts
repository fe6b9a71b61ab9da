/** `@faultline/sync-kit/rabbitmq`: the amqplib adapter, kept apart so amqplib loads only when used. */
export { RabbitMqPublisher, createRabbitMqPublisher } from './adapters/rabbitmq-publisher.js'
export type { RabbitMqPublisherOptions } from './adapters/rabbitmq-publisher.js'
