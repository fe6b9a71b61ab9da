import { silentLogger } from '@faultline/common'
import { NginxBalancer } from './nginx/nginx-balancer.js'
import { NodeBalancer, nginxMissing } from './node/node-balancer.js'
import { resolveLbOptions, type LoadBalancerOptions } from './options.js'
import { findExecutable } from './proc.js'
import type { LoadBalancer } from './types.js'

/**
 * Starts a load balancer in front of `backends`: nginx when it is installed (or asked for), else
 * the Node proxy. `balancer.provider` says which one runs.
 */
export async function createLoadBalancer(options: LoadBalancerOptions): Promise<LoadBalancer> {
  const resolved = resolveLbOptions(options)
  const logger = options.logger ?? silentLogger
  const nginx = resolved.provider === 'node' ? undefined : findExecutable('nginx')
  if (resolved.provider === 'nginx' && nginx === undefined) throw nginxMissing()
  const balancer =
    nginx === undefined
      ? await NodeBalancer.start(resolved)
      : await NginxBalancer.start(nginx, resolved)
  const why =
    resolved.provider !== 'auto'
      ? `asked for ${resolved.provider}`
      : nginx === undefined
        ? 'nginx is not installed (Debian package nginx)'
        : `found ${nginx}`
  logger.info(
    { provider: balancer.provider, url: balancer.url, why },
    `load balancer: ${balancer.provider} (${why})`,
  )
  return balancer
}
