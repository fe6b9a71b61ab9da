/** The package version, so callers can log what they run. */
export const VERSION = '0.0.0'
