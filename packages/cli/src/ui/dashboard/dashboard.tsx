/* @jsxRuntime automatic */
/* @jsxImportSource react */
// The pragmas keep JSX right when tsx runs this from a directory whose tsconfig lacks "jsx".
import { Box, Text, useInput, useStdin, useStdout } from 'ink'
import { useEffect, useState, useSyncExternalStore, type ReactElement } from 'react'
import { ansiLine } from './ansi.js'
import type { DashboardStore } from './dashboard-store.js'
import { layoutDashboard, type ScreenSize } from './layout.js'

/** Props of {@link Dashboard}. */
export interface DashboardProps {
  /** The source of the model: push progress events into it. */
  readonly store: DashboardStore
  /** Called on `q` or Ctrl-C (raw mode swallows the SIGINT a terminal would send). */
  readonly onQuit?: () => void
  /** Fixed size (tests); otherwise the terminal's, following resizes. */
  readonly size?: ScreenSize
  /** Draw in color (SGR codes). @default false */
  readonly color?: boolean
}

/**
 * The live dashboard: scenario, phase and time left; per workload RPS, p50/p99 with a sparkline;
 * cache, sagas and lag; the fault timeline; verdicts. It redraws only when the store publishes
 * (at most 4 times a second) and fits the terminal's width and height.
 */
export function Dashboard({ store, onQuit, size, color = false }: DashboardProps): ReactElement {
  const model = useSyncExternalStore(store.subscribe, store.getSnapshot)
  const screen = useScreenSize(size)
  const { isRawModeSupported } = useStdin()
  useInput(
    (input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c')) onQuit?.()
    },
    { isActive: onQuit !== undefined && isRawModeSupported },
  )
  return (
    <Box flexDirection="column">
      {layoutDashboard(model, screen).map((line, index) => (
        <Text key={index} wrap="truncate-end">
          {ansiLine(line, color)}
        </Text>
      ))}
    </Box>
  )
}

/** The terminal's columns and rows, updated on resize; a fixed size when one is given. */
function useScreenSize(fixed: ScreenSize | undefined): ScreenSize {
  const { stdout } = useStdout()
  const read = (): ScreenSize => ({ width: stdout.columns || 80, height: stdout.rows || 24 })
  const [size, setSize] = useState(read)
  useEffect(() => {
    if (fixed !== undefined) return
    const onResize = (): void => setSize(read())
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  })
  return fixed ?? size
}
