import { runService } from '../../wiring/http/run-service.js'
import type { OrderSideConfig } from '../shared/order-side/config.js'
import { buildInventoryApp, INVENTORY_CONFIG_SCHEMA } from './app.js'

await runService<OrderSideConfig>({
  configSchema: INVENTORY_CONFIG_SCHEMA,
  build: buildInventoryApp,
})
