import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const root = fileURLToPath(new URL('.', import.meta.url))

/**
 * Tests import sibling packages from source, so a test run never depends on a stale build:
 * `@faultline/<pkg>` maps to `packages/<pkg>/src/index.ts` and `@faultline/<pkg>/<sub>` to
 * `packages/<pkg>/src/<sub>.ts` (every subpath export follows that layout).
 */
const alias = [
  { find: /^@faultline\/scenarios$/, replacement: `${root}scenarios/src/index.ts` },
  { find: /^@faultline\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
  { find: /^@faultline\/([a-z-]+)\/([a-z-]+)$/, replacement: `${root}packages/$1/src/$2.ts` },
]

const exclude = ['**/node_modules/**', '**/dist/**']

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest.json' },
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.{ts,tsx}', 'scenarios/test/**/*.test.ts'],
          exclude: [...exclude, '**/*.int.test.{ts,tsx}'],
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.int.test.ts', 'scenarios/test/**/*.int.test.ts'],
          exclude,
          testTimeout: 180_000,
          hookTimeout: 240_000,
          pool: 'forks',
          // Each file starts its own real servers; two at once is what 2 cores carry.
          maxWorkers: 2,
        },
      },
    ],
  },
})
