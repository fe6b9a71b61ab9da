import { createServer, type Server, type Socket } from 'node:net'
import { InfraError } from '../errors.js'

/** Binds a TCP listener; a busy port becomes `E_INFRA_PORT_IN_USE`. */
export function listen(
  host: string,
  port: number,
  onConnection: (socket: Socket) => void,
): Promise<Server> {
  // allowHalfOpen: a client's FIN must reach upstream without cutting off the response.
  const server = createServer({ allowHalfOpen: true }, onConnection)
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(toInfraError(error, host, port)))
    server.listen(port, host, () => {
      server.removeAllListeners('error')
      server.on('error', () => undefined)
      resolve(server)
    })
  })
}

/** Stops accepting at once; already accepted sockets are the caller's to end. */
export function stopListening(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

/** The port a bound server got. */
export function boundPort(server: Server): number {
  const address = server.address()
  return typeof address === 'object' && address !== null ? address.port : 0
}

function toInfraError(error: NodeJS.ErrnoException, host: string, port: number): InfraError {
  const inUse = error.code === 'EADDRINUSE'
  return new InfraError(
    inUse ? 'E_INFRA_PORT_IN_USE' : 'E_INFRA_PROXY',
    `Fault proxy could not listen on ${host}:${port}: ${error.message}.`,
    { context: { port }, cause: error, retryable: inUse },
  )
}
