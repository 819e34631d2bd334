/**
 * The include/exclude settings as the scanner's `accept` filter. Patterns are matched against the path relative
 * to the scanned folder with forward slashes, case-insensitively; a pattern without a slash matches the file name
 * at any depth ("*.png", "Screenshot*"), one with a slash matches the relative path ("2024/**", "**\/drafts/**").
 * picomatch (the matcher behind micromatch, fast-glob and chokidar) does the matching: glob syntax has many corners
 * (braces, extglobs, character classes, escaping) that a home-made matcher would get subtly wrong.
 */
import type Picomatch from 'picomatch/posix';

/** Loaded on first use, not with the extension: evaluating it is a tenth of the extension's activation time. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const matcher = (): typeof Picomatch => require('picomatch/posix') as typeof Picomatch;

export type AcceptFilter = (relativePath: string) => boolean;

export function globFilter(include: readonly string[], exclude: readonly string[]): AcceptFilter | undefined {
  const clean = (patterns: readonly string[]) => patterns.map((p) => p.trim().replace(/\\/g, '/').replace(/^\.\//, '')).filter(Boolean);
  const includes = clean(include);
  const excludes = clean(exclude);
  if (includes.length === 0 && excludes.length === 0) return undefined;
  const included = includes.length > 0 ? anyOf(includes) : () => true;
  const excluded = excludes.length > 0 ? anyOf(excludes) : () => false;
  return (relativePath: string) => {
    const normalized = relativePath.split(/[\\/]+/).filter(Boolean).join('/');
    return included(normalized) && !excluded(normalized);
  };
}

/** A matcher for any of the patterns; picomatch's own `basename` option is applied per pattern (only to ones without a slash). */
function anyOf(patterns: readonly string[]): (relativePath: string) => boolean {
  const picomatch = matcher();
  const matchers = patterns.map((pattern) => picomatch(pattern, { dot: true, nocase: true, basename: !pattern.includes('/') }));
  return (relativePath) => matchers.some((matches) => matches(relativePath));
}

/** Checks patterns before use; returns a message for each one picomatch cannot compile. */
export function invalidGlobs(patterns: readonly string[]): string[] {
  const problems: string[] = [];
  for (const pattern of patterns) {
    try {
      matcher().makeRe(pattern, { nocase: true });
    } catch (error) {
      problems.push(`Invalid glob pattern "${pattern}": ${(error as Error).message}`);
    }
  }
  return problems;
}
