import { runService } from '../../wiring/http/run-service.js'
import type { OrderSideConfig } from '../shared/order-side/config.js'
import { buildShippingApp, SHIPPING_CONFIG_SCHEMA } from './app.js'

await runService<OrderSideConfig>({ configSchema: SHIPPING_CONFIG_SCHEMA, build: buildShippingApp })
