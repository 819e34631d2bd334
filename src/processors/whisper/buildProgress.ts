/*
 * Progress of a whisper-cli build, for a status bar or a CLI line. Percentages come from the build tool's own
 * output: Unix Makefiles print "[ 37%] Building ...", Ninja prints "[12/80] Building ...". MSBuild prints
 * neither; its builds just report "building" without a percentage.
 */

export type BuildPhase = 'waiting' | 'configuring' | 'building' | 'done';

export interface BuildProgress {
  phase: BuildPhase;
  /** 0–100 while building, when the build tool reports it. */
  percent?: number;
  /** Short human text, e.g. "building 37%" or "waiting for another build of whisper-cli". */
  message: string;
}

/** The percentage a cmake --build output line reports, if any. */
export function parseBuildPercent(line: string): number | undefined {
  const make = /^\s*\[\s*(\d{1,3})%\]/.exec(line);
  if (make) return Math.min(100, Number(make[1]));
  const ninja = /^\s*\[(\d+)\/(\d+)\]/.exec(line);
  if (ninja) {
    const done = Number(ninja[1]);
    const total = Number(ninja[2]);
    if (total > 0) return Math.min(100, Math.floor((done / total) * 100));
  }
  return undefined;
}

/** Turns build output lines into progress events, emitting only when the percentage changes. */
export function buildProgressReporter(onProgress: ((progress: BuildProgress) => void) | undefined): (line: string) => void {
  let last = -1;
  return (line) => {
    const percent = parseBuildPercent(line);
    if (percent === undefined || percent === last || !onProgress) return;
    // Make reports per-target percentages that can step back slightly when targets interleave; keep it monotonic.
    if (percent < last) return;
    last = percent;
    onProgress({ phase: 'building', percent, message: `building ${percent}%` });
  };
}
