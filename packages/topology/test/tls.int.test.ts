import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Agent, request } from 'undici'
import {
  createLoadBalancer,
  createSupervisor,
  type LoadBalancer,
  type Supervisor,
} from '../src/index.js'
import { findExecutable } from '../src/lb/proc.js'
import { makeCerts, type TestCerts } from './certs.js'
import { echoService, makeRunDir, removeRunDir } from './helpers.js'

const providers: ('nginx' | 'node')[] =
  findExecutable('nginx') === undefined ? ['node'] : ['nginx', 'node']

describe.each(providers)('TLS through the seams (balancer %s)', (provider) => {
  let runDir: string
  let certs: TestCerts
  let supervisor: Supervisor
  let lb: LoadBalancer
  let client: Agent

  beforeAll(async () => {
    runDir = makeRunDir()
    certs = makeCerts(runDir)
    const server = { certFile: certs.serverCert, keyFile: certs.serverKey }
    lb = await createLoadBalancer({
      provider,
      runDir,
      tls: {
        server,
        upstream: { caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.clientKey },
      },
    })
    const tls = { ...server, caFile: certs.caFile }
    const probeTls = {
      ca: readFileSync(certs.caFile),
      cert: readFileSync(certs.clientCert),
      key: readFileSync(certs.clientKey),
    }
    supervisor = createSupervisor({
      runDir,
      services: [echoService({ name: 't', instances: 2, config: { tls }, probeTls, balancer: lb })],
    })
    await supervisor.start()
    client = new Agent({ connect: { ca: readFileSync(certs.caFile) } })
  })

  afterAll(async () => {
    await supervisor?.stop()
    await lb?.stop()
    await client?.close()
    removeRunDir(runDir)
  })

  test('instances serve mTLS, the probe and the balancer present their client certificate', async () => {
    const [first] = supervisor.service('t').instances()
    expect(first?.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(lb.url).toMatch(/^https:/)
    const seen = new Set<unknown>()
    for (let i = 0; i < 8; i++) {
      const response = await request(new URL('/whoami', lb.url), { dispatcher: client })
      expect(response.statusCode).toBe(200)
      seen.add(((await response.body.json()) as { instance: string }).instance)
    }
    expect([...seen].sort()).toEqual(['t-1', 't-2'])
    // Without a client certificate an instance refuses the handshake.
    const direct = request(new URL('/whoami', first?.url), { dispatcher: client })
    await expect(direct.then((r) => r.body.dump())).rejects.toThrow()
  })
})
