import { describe, expect, test } from 'vitest'
import { FaultlineError, isFaultlineError } from '@faultline/common'
import { isTopologyError, TopologyError } from '../../src/errors.js'
import { mintToken } from '../../src/wiring/auth/index.js'
import { createMetricsRegistry } from '../../src/wiring/telemetry/index.js'
import { createCertificateAuthority } from '../../src/wiring/tls/index.js'
import { authKit } from './auth/auth-fixtures.js'

async function thrown(run: () => unknown): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('the wiring raises TopologyError, the one error class of the package', () => {
  test.each([
    ['auth', async () => mintToken({ keySet: (await authKit()).keySet, role: 'root' as 'ops' })],
    ['tls', () => createCertificateAuthority({ validityMs: 1 })],
    ['telemetry', () => createMetricsRegistry({ service: 'a service' })],
  ])('%s: a bad option is E_TOPOLOGY_INVALID_OPTION naming the option', async (_, run) => {
    const error = await thrown(run)
    expect(error).toBeInstanceOf(TopologyError)
    expect(error).toBeInstanceOf(FaultlineError)
    expect(isTopologyError(error)).toBe(true)
    expect(isFaultlineError(error)).toBe(true)
    expect(error).toMatchObject({ name: 'TopologyError', code: 'E_TOPOLOGY_INVALID_OPTION' })
    expect((error as TopologyError).context.option).toEqual(expect.any(String))
    expect(Object.isFrozen((error as TopologyError).context)).toBe(true)
  })

  test('an invalid token is refused with E_TOPOLOGY_INVALID_TOKEN and a fixed reason', async () => {
    const { verifier } = await authKit()
    const error = await thrown(() => verifier.verify('not.a.token'))
    expect(isTopologyError(error)).toBe(true)
    expect(error).toMatchObject({
      code: 'E_TOPOLOGY_INVALID_TOKEN',
      context: { reason: 'malformed' },
    })
  })

  test('isTopologyError() goes by the brand, not by the name', () => {
    const impostor = Object.assign(new Error('x'), { name: 'TopologyError', code: 'E_X' })
    expect(isTopologyError(impostor)).toBe(false)
    const otherCopy = {
      [Symbol.for('faultline.topology.error')]: true,
      code: 'E_TOPOLOGY_LB_FAILED',
    }
    expect(isTopologyError(otherCopy)).toBe(true)
    expect(isTopologyError(new FaultlineError('E_INFRA_CLOSED', 'closed'))).toBe(false)
  })
})
