import type { StartedTestContainer } from 'testcontainers'
import type { ProviderName, ServiceHandle } from '../types.js'

/** A {@link ServiceHandle} over a testcontainers container; faults go through the Docker API. */
export class DockerHandle implements ServiceHandle {
  readonly provider: ProviderName = 'docker'
  readonly host: string

  constructor(
    readonly service: string,
    private readonly container: StartedTestContainer,
    readonly port: number,
    readonly url: string,
    private readonly afterStop: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.host = container.getHost()
  }

  private async dockerContainer() {
    const { getContainerRuntimeClient } = await import('testcontainers')
    const client = await getContainerRuntimeClient()
    return client.container.getById(this.container.getId())
  }

  async stop(): Promise<void> {
    await this.container.stop()
    await this.afterStop()
  }

  async kill(): Promise<void> {
    await (await this.dockerContainer()).kill({ signal: 'SIGKILL' })
  }

  async pause(): Promise<void> {
    await (await this.dockerContainer()).pause()
  }

  async resume(): Promise<void> {
    await (await this.dockerContainer()).unpause()
  }

  /** Host ports are bound explicitly at creation, so a restarted container keeps its port. */
  async restart(): Promise<void> {
    await this.container.restart()
  }

  async logs(lines = 30): Promise<string> {
    const raw = await (
      await this.dockerContainer()
    ).logs({ stdout: true, stderr: true, tail: lines, follow: false })
    return stripDockerFrames(Buffer.from(raw))
  }
}

/** Docker multiplexes stdout/stderr with an 8-byte header per frame; keep only the payload. */
function stripDockerFrames(raw: Buffer): string {
  const parts: Buffer[] = []
  let offset = 0
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4)
    parts.push(raw.subarray(offset + 8, offset + 8 + size))
    offset += 8 + size
  }
  return (parts.length > 0 ? Buffer.concat(parts) : raw).toString('utf8').trimEnd()
}
