import { runService } from '../../wiring/http/run-service.js'
import { RELAY_CONFIG_SCHEMA, type RelayConfig } from './config.js'
import { buildRelayApp } from './relay-app.js'

await runService<RelayConfig>({ configSchema: RELAY_CONFIG_SCHEMA, build: buildRelayApp })
