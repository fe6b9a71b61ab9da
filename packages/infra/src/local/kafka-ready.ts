import kafkajs from 'kafkajs'

const { Kafka, logLevel } = kafkajs

/**
 * True once the broker answers a metadata request for clients. An open port is not enough: the
 * socket server binds before the broker is unfenced, and clients connecting then get errors.
 * Retries are off so each poll is one quick attempt; the caller does the polling.
 */
export async function kafkaAnswers(broker: string, timeoutMs = 1_000): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'faultline-infra-ready',
    brokers: [broker],
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin()
  try {
    await admin.connect()
    const cluster = await admin.describeCluster()
    return cluster.brokers.length > 0
  } catch {
    return false
  } finally {
    await admin.disconnect().catch(() => undefined)
  }
}
