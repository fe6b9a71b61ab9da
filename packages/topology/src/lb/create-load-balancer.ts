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
  const nginx = resolved.provider === 'node' ? undefined : findExecutable('nginx')
  if (resolved.provider === 'nginx' && nginx === undefined) throw nginxMissing()
  if (nginx !== undefined) return NginxBalancer.start(nginx, resolved)
  return NodeBalancer.start(resolved)
}
