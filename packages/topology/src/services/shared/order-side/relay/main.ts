import { runService } from '../../../../wiring/http/run-service.js'
import { buildRelayApp, RELAY_CONFIG_SCHEMA, type RelayConfig } from './relay-app.js'

await runService<RelayConfig>({ configSchema: RELAY_CONFIG_SCHEMA, build: buildRelayApp })
