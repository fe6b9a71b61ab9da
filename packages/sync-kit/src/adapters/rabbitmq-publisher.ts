import amqp from 'amqplib'
import type { ChannelModel, ConfirmChannel } from 'amqplib'
import { SyncKitError, describeError } from '../errors.js'
import type { EventPublisher, OutgoingMessage, PublishResult } from '../ports.js'

/** Options for {@link createRabbitMqPublisher}. Give `url`, or a `connection` you own. */
export interface RabbitMqPublisherOptions {
  /** `amqp://user:pass@host:port/vhost` */
  url?: string
  /** An amqplib connection the caller owns; only the channel is created and closed here. */
  connection?: ChannelModel
  /** Exchange to publish to; the message topic becomes the routing key. @default 'sync-kit.events' */
  exchange?: string
  /** @default 'topic' */
  exchangeType?: 'topic' | 'direct' | 'fanout'
}

/**
 * Publishes through a confirm channel: a result is `ok` only once the broker has confirmed the
 * message (persistent, on a durable exchange). One channel keeps publish order, so one key's
 * messages stay in order. Messages that no queue is bound for are returned as failures
 * (`mandatory`), never confirmed into the void.
 */
export class RabbitMqPublisher implements EventPublisher {
  readonly #options: RabbitMqPublisherOptions
  /** The broker's `host:port` from `url` (no credentials); undefined for a given connection. */
  readonly endpoint: string | undefined
  #conn: ChannelModel | undefined
  #channel: Promise<ConfirmChannel> | undefined
  readonly #returned = new Set<string>()
  #closed = false

  constructor(options: RabbitMqPublisherOptions) {
    if (!options.url && !options.connection) {
      throw new SyncKitError('E_SYNC_INVALID_OPTION', 'RabbitMqPublisher needs url or connection', {
        context: { field: 'url' },
      })
    }
    this.endpoint = options.url === undefined ? undefined : hostOf(options.url)
    this.#options = options
  }

  get exchange(): string {
    return this.#options.exchange ?? 'sync-kit.events'
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<readonly PublishResult[]> {
    if (this.#closed) throw new SyncKitError('E_SYNC_CLOSED', 'RabbitMQ publisher is closed')
    let channel: ConfirmChannel
    try {
      channel = await this.#open()
    } catch (err) {
      return messages.map(() => ({ ok: false, error: failure(err, messages[0]?.topic) }))
    }
    const results = await Promise.all(messages.map((m) => this.#publishOne(channel, m)))
    return keepKeyOrder(messages, results)
  }

  async connect(): Promise<void> {
    if (this.#closed) throw new SyncKitError('E_SYNC_CLOSED', 'RabbitMQ publisher is closed')
    await this.#open()
  }

  async close(): Promise<void> {
    this.#closed = true
    const ch = await this.#channel?.catch(() => undefined)
    await ch?.close().catch(() => undefined)
    if (!this.#options.connection) await this.#conn?.close().catch(() => undefined)
  }

  #publishOne(channel: ConfirmChannel, m: OutgoingMessage): Promise<PublishResult> {
    const messageId = m.headers['fl-event-id'] ?? `${m.topic}:${m.key}:${Date.now()}`
    return new Promise((resolve) => {
      try {
        channel.publish(
          this.exchange,
          m.topic,
          m.value,
          {
            persistent: true,
            mandatory: true,
            messageId,
            headers: { ...m.headers, 'fl-key': m.key },
          },
          (err: unknown) => {
            if (err) return resolve({ ok: false, error: failure(err, m.topic) })
            if (this.#returned.delete(messageId)) {
              return resolve({
                ok: false,
                error: failure('no queue is bound for this routing key', m.topic),
              })
            }
            resolve({ ok: true })
          },
        )
      } catch (err) {
        resolve({ ok: false, error: failure(err, m.topic) })
      }
    })
  }

  #open(): Promise<ConfirmChannel> {
    this.#channel ??= (async () => {
      this.#conn ??= this.#options.connection ?? (await amqp.connect(this.#options.url ?? ''))
      const ch = await this.#conn.createConfirmChannel()
      ch.on('return', (msg: { properties: { messageId?: string } }) => {
        if (msg.properties.messageId) this.#returned.add(msg.properties.messageId)
      })
      ch.on('error', () => undefined) // surfaced through the confirm callbacks
      ch.on('close', () => {
        this.#channel = undefined
        if (!this.#options.connection) this.#conn = undefined
      })
      await ch.assertExchange(this.exchange, this.#options.exchangeType ?? 'topic', {
        durable: true,
      })
      return ch
    })()
    this.#channel.catch(() => (this.#channel = undefined))
    return this.#channel
  }
}

/** The port says: once a key fails in a call, its later messages fail too. */
function keepKeyOrder(
  messages: readonly OutgoingMessage[],
  results: PublishResult[],
): PublishResult[] {
  const failed = new Map<string, PublishResult>()
  return results.map((r, i) => {
    const key = messages[i]!.key
    const earlier = failed.get(key)
    if (earlier) return earlier
    if (!r.ok) failed.set(key, r)
    return r
  })
}

function failure(err: unknown, topic: string | undefined): SyncKitError {
  return new SyncKitError(
    'E_SYNC_PUBLISH_FAILED',
    `RabbitMQ did not confirm: ${describeError(err)}`,
    {
      cause: err,
      retryable: true,
      context: { topic: topic ?? '' },
    },
  )
}

/** Creates a RabbitMQ {@link EventPublisher}. */
export function createRabbitMqPublisher(options: RabbitMqPublisherOptions): RabbitMqPublisher {
  return new RabbitMqPublisher(options)
}

/** `host:port` of an AMQP URL, never its credentials. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host
  } catch {
    return undefined
  }
}
