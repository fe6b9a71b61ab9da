import { describe, expect, test } from 'vitest'
import { nginxConfig, nginxPaths } from '../src/lb/nginx/nginx-config.js'
import { isIdempotent, neverSent } from '../src/lb/node/forward.js'
import { resolveLbOptions } from '../src/lb/options.js'
import { SerialQueue } from '../src/lb/serial-queue.js'

const paths = nginxPaths('/run/x/lb-nginx')
const backends = [
  { id: 'q-1', url: 'http://127.0.0.1:4001' },
  { id: 'q-2', url: 'http://127.0.0.1:4002' },
]

describe('nginxConfig()', () => {
  test('one upstream with passive checks and keep-alive, retries on the next, our own files', () => {
    const text = nginxConfig(paths, backends, resolveLbOptions({ runDir: '/run/x' }), 8080)
    expect(text).toContain('server 127.0.0.1:4001 max_fails=1 fail_timeout=2s; # q-1')
    expect(text).toContain('server 127.0.0.1:4002 max_fails=1 fail_timeout=2s; # q-2')
    expect(text).toContain('keepalive 32;')
    expect(text).toContain('proxy_next_upstream error timeout http_502 http_503 http_504;')
    expect(text).toContain('proxy_set_header Connection "";')
    expect(text).toContain('listen 127.0.0.1:8080;')
    expect(text).toContain('pid /run/x/lb-nginx/nginx.pid;')
    expect(text).toContain('daemon off;')
    expect(text).toContain('keepalive_timeout 0;')
    expect(text).not.toMatch(/\/var\/(log|lib)/)
  })

  test('no backend: a JSON 503 and no empty upstream (nginx refuses one)', () => {
    const text = nginxConfig(paths, [], resolveLbOptions({ runDir: '/run/x' }), 8080)
    expect(text).not.toContain('upstream')
    expect(text).toContain('return 503')
  })

  test('TLS: HTTPS to clients, and verified (m)TLS to https backends', () => {
    const tls = {
      server: { certFile: '/c/lb.pem', keyFile: '/c/lb.key' },
      upstream: { caFile: '/c/ca.pem', certFile: '/c/client.pem', keyFile: '/c/client.key' },
    }
    const https = backends.map((b) => ({ ...b, url: b.url.replace('http:', 'https:') }))
    const text = nginxConfig(paths, https, resolveLbOptions({ runDir: '/run/x', tls }), 8443)
    expect(text).toContain('listen 127.0.0.1:8443 ssl;')
    expect(text).toContain('proxy_pass https://backends;')
    expect(text).toContain('proxy_ssl_verify on;')
    expect(text).toContain('proxy_ssl_certificate /c/client.pem;')
  })
})

describe('resolveLbOptions()', () => {
  test('refuses a non-positive tunable and an unknown provider, naming them', () => {
    expect(() => resolveLbOptions({ runDir: '/x', tries: 0 })).toThrow(/option tries/)
    expect(() => resolveLbOptions({ runDir: '/x', provider: 'haproxy' as 'node' })).toThrow(
      /'auto', 'nginx' or 'node'/,
    )
  })
})

describe('node proxy retry rules', () => {
  test('like nginx: POST and PATCH are not resent once sent; a refused connection is safe', () => {
    expect(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'].every(isIdempotent)).toBe(true)
    expect(['POST', 'PATCH'].some(isIdempotent)).toBe(false)
    expect(neverSent(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true)
    expect(neverSent(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }))).toBe(false)
  })
})

describe('SerialQueue', () => {
  test('runs tasks one at a time in order, and a failure does not stop the next', async () => {
    const queue = new SerialQueue()
    const log: string[] = []
    const task =
      (name: string, fail = false) =>
      async () => {
        log.push(`${name} start`)
        await new Promise((resolve) => setTimeout(resolve, 5))
        log.push(`${name} end`)
        if (fail) throw new Error(name)
      }
    const results = await Promise.allSettled([
      queue.run(task('a')),
      queue.run(task('b', true)),
      queue.run(task('c')),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end'])
  })
})
