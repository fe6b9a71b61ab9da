import { runService } from '../../wiring/http/run-service.js'
import { buildPaymentsApp, PAYMENTS_CONFIG_SCHEMA, type PaymentsConfig } from './app.js'

await runService<PaymentsConfig>({ configSchema: PAYMENTS_CONFIG_SCHEMA, build: buildPaymentsApp })
