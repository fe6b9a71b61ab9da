import { describe, expect, test } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { createServiceApp, httpError, isProbeRoute, type ServiceApp } from '../src/index.js'

async function itemsApp(): Promise<ServiceApp> {
  const service = await createServiceApp({
    service: 'items',
    logLevel: 'silent',
    bodyLimitBytes: 1024,
  })
  service.app.post(
    '/items',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name', 'price'],
          properties: {
            name: { type: 'string' },
            price: { type: 'number' },
            dims: { type: 'object', properties: { w: { type: 'number' } } },
          },
        },
      },
    },
    async (request, reply) => reply.code(201).send(request.body),
  )
  service.app.get(
    '/items',
    { schema: { querystring: { type: 'object', properties: { limit: { type: 'integer' } } } } },
    (request) => request.query,
  )
  service.app.get(
    '/items/:id',
    { schema: { params: { type: 'object', properties: { id: { type: 'integer' } } } } },
    (request) => {
      const { id } = request.params as { id: number }
      if (id === 404) throw httpError(404, 'E_ITEM_NOT_FOUND', 'item 404 does not exist')
      if (id === 500) throw new Error('password hunter2 at /srv/db.ts')
      if (id === 418) throw Object.assign(new Error('short and stout'), { statusCode: 418 })
      return { id }
    },
  )
  return service
}

async function post(service: ServiceApp, payload: string, contentType = 'application/json') {
  const response = await service.app.inject({
    method: 'POST',
    url: '/items',
    payload,
    headers: { 'content-type': contentType },
  })
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() }
}

describe('createServiceApp() validation', () => {
  test('a wrongly typed field is a 400 naming it, and the body keeps its JSON types', async () => {
    const service = await itemsApp()
    const bad = await post(service, JSON.stringify({ name: 'a', price: '12' }))
    expect(bad).toMatchObject({
      status: 400,
      body: { message: 'body/price must be number', field: 'body/price' },
    })
    const ok = await post(service, JSON.stringify({ name: 'a', price: 12 }))
    expect(ok).toEqual({ status: 201, body: { name: 'a', price: 12 } })
  })

  test('a missing field and an unknown one, nested too, are 400s naming them', async () => {
    const service = await itemsApp()
    expect((await post(service, JSON.stringify({ name: 'a' }))).body.message).toBe(
      'body/price is required',
    )
    expect(
      (await post(service, JSON.stringify({ name: 'a', price: 1, color: 'red' }))).body,
    ).toMatchObject({
      message: 'body/color is not allowed',
      field: 'body/color',
    })
    const nested = await post(
      service,
      JSON.stringify({ name: 'a', price: 1, dims: { w: 1, h: 2 } }),
    )
    expect(nested.body.message).toBe('body/dims/h is not allowed')
  })

  test('unknown query parameters are refused, known ones are coerced from text', async () => {
    const service = await itemsApp()
    const known = await service.app.inject({ url: '/items?limit=5' })
    expect(known.json()).toEqual({ limit: 5 })
    const unknown = await service.app.inject({ url: '/items?limit=5&sort=name' })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json()).toMatchObject({ message: 'querystring/sort is not allowed' })
    const none = await service.app.inject({ url: '/healthz?verbose=1' })
    expect(none.statusCode).toBe(400)
    const param = await service.app.inject({ url: '/items/abc' })
    expect(param.json()).toMatchObject({ statusCode: 400, message: 'params/id must be integer' })
  })

  test('malformed JSON, an empty body, a wrong media type and a large body are 4xx', async () => {
    const service = await itemsApp()
    expect((await post(service, '{"name": ')).status).toBe(400)
    expect((await post(service, '')).status).toBe(400)
    expect((await post(service, 'name=a', 'application/x-www-form-urlencoded')).status).toBe(415)
    const large = JSON.stringify({ name: 'x'.repeat(2000), price: 1 })
    expect((await post(service, large)).status).toBe(413)
  })

  test('a server error is a 500 without the message or stack; deliberate 4xx keep theirs', async () => {
    const service = await itemsApp()
    const crash = await service.app.inject({ url: '/items/500' })
    expect(crash.statusCode).toBe(500)
    expect(crash.body).not.toMatch(/hunter2|srv|at /)
    const body = crash.json<{ code: string; requestId: unknown }>()
    expect(body.code).toBe('E_INTERNAL')
    expect(typeof body.requestId).toBe('string')
    const missing = await service.app.inject({ url: '/items/404' })
    expect(missing.json()).toMatchObject({ statusCode: 404, code: 'E_ITEM_NOT_FOUND' })
    expect((await service.app.inject({ url: '/items/418' })).statusCode).toBe(418)
    const nowhere = await service.app.inject({ url: '/nowhere' })
    expect(nowhere.json()).toMatchObject({ statusCode: 404, message: 'no route GET /nowhere' })
  })
})

describe('createServiceApp() route registration', () => {
  test('a route that takes a body or params without a schema fails to register, naming it', async () => {
    const service = await createServiceApp({ service: 's', logLevel: 'silent' })
    expect(() => service.app.post('/things', () => 'x')).toThrow(/POST \/things: no body schema/)
    expect(() => service.app.get('/things/:id', () => 'x')).toThrow(
      /GET \/things\/:id: path params without a schema/,
    )
  })

  test('an explicit additionalProperties is kept', async () => {
    const service = await createServiceApp({ service: 's', logLevel: 'silent' })
    const body = { type: 'object', additionalProperties: true, properties: {} }
    service.app.put('/open', { schema: { body } }, (request) => request.body)
    const response = await service.app.inject({ method: 'PUT', url: '/open', payload: { any: 1 } })
    expect(response.json()).toEqual({ any: 1 })
  })
})

describe('createServiceApp() plugins', () => {
  test('plugins register before the routes, see every request, and can tell the probes apart', async () => {
    const seen: string[] = []
    const plugin = Object.assign(
      (app: FastifyInstance, _options: unknown, done: () => void) => {
        app.addHook('onRequest', (request, _reply, next) => {
          if (!isProbeRoute(request.routeOptions.config)) seen.push(request.url)
          next()
        })
        done()
      },
      // fastify-plugin's marker: the hook applies outside the plugin's own scope.
      { [Symbol.for('skip-override')]: true },
    )
    const service = await createServiceApp({
      service: 's',
      logLevel: 'silent',
      plugins: [{ name: 'audit', plugin }],
    })
    service.app.get('/things', () => [])
    await service.app.inject({ url: '/healthz' })
    await service.app.inject({ url: '/things' })
    expect(seen).toEqual(['/things'])
  })
})

describe('createServiceApp() probes and shutdown', () => {
  test('/readyz is 503 until every check passes, and again once shutdown begins', async () => {
    const service = await createServiceApp({
      service: 's',
      logLevel: 'silent',
      readinessCheckTimeoutMs: 200,
    })
    let migrated = false
    service.addReadinessCheck('migrated', () => migrated)
    service.addReadinessCheck('consumers', () => true)
    const readyz = async () => service.app.inject({ url: '/readyz' })
    expect((await readyz()).statusCode).toBe(503)
    expect((await readyz()).json()).toMatchObject({ checks: { migrated: { ready: false } } })
    migrated = true
    expect((await readyz()).statusCode).toBe(200)
    service.addReadinessCheck('hangs', () => new Promise<boolean>(() => undefined))
    expect((await readyz()).json()).toMatchObject({
      checks: { hangs: { error: 'no answer in 200 ms' } },
    })
    expect((await service.app.inject({ url: '/healthz' })).statusCode).toBe(200)
  })

  test('shutdown hooks run in order after the server closed, and a failing one does not stop the next', async () => {
    const service = await createServiceApp({ service: 's', logLevel: 'silent' })
    const order: string[] = []
    service.app.addHook('onClose', (_instance, done) => (order.push('server closed'), done()))
    service.onShutdown('commit offsets', () => void order.push('commit offsets'))
    service.onShutdown('broken', () => {
      throw new Error('pool already closed')
    })
    service.onShutdown('close pools', () => void order.push('close pools'))
    const report = await service.shutdown()
    expect(order).toEqual(['server closed', 'commit offsets', 'close pools'])
    expect(report.hooks.map((h) => h.ok)).toEqual([true, false, true])
  })
})
