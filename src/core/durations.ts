/** "0.5 s", "12 s": durations in messages, without rounding a sub-second limit to "0 s". */
export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms / 1000)} s`;
}
