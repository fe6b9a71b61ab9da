import { runService } from '../../wiring/http/run-service.js'
import { buildOrdersApp, ORDERS_CONFIG_SCHEMA, type OrdersConfig } from './app.js'

await runService<OrdersConfig>({ configSchema: ORDERS_CONFIG_SCHEMA, build: buildOrdersApp })
