/**
 * Looks inside an installed extension folder: which packages esbuild leaves external (so they must ship), whether
 * everything they depend on shipped with them, and what takes the space.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../support/paths';

/** The `external` list of esbuild.mjs, read from the file so this check follows the build when it changes. */
export function esbuildExternals(): string[] {
  const source = readFileSync(path.join(PROJECT_ROOT, 'esbuild.mjs'), 'utf8');
  const match = /external:\s*\[([^\]]*)\]/.exec(source);
  if (!match) throw new Error('esbuild.mjs has no `external: [...]` list any more — update test/e2e/support/installedPackage.ts to read the externals.');
  return [...match[1].matchAll(/'([^']+)'|"([^"]+)"/g)].map((m) => m[1] ?? m[2]);
}

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Node's lookup: <dir>/node_modules/<name>, then the same in each parent folder up to `root`. */
function findPackage(name: string, fromDir: string, root: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Walks the dependencies of `names` inside `root` (an extension folder) as Node would resolve them and returns
 * one line per required package that is missing ("jimp → @jimp/core"). Optional and peer dependencies may be absent,
 * and so may @types/* packages: a few packages (image-q) list them as dependencies, but they hold no code.
 */
export function missingDependencies(root: string, names: string[]): string[] {
  const missing: string[] = [];
  const seen = new Set<string>();
  const visit = (dir: string): void => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      if (manifest.optionalDependencies?.[dep] !== undefined || dep.startsWith('@types/')) continue;
      const found = findPackage(dep, dir, root);
      if (found) visit(found);
      else missing.push(`${manifest.name} → ${dep}`);
    }
  };
  for (const name of names) {
    const found = findPackage(name, root, root);
    if (found) visit(found);
    else missing.push(`(extension) → ${name}`);
  }
  return missing;
}

/** All files below `dir`, relative to it, with their sizes. */
export async function listFiles(dir: string): Promise<{ file: string; bytes: number }[]> {
  const out: { file: string; bytes: number }[] = [];
  const walk = async (sub: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) await walk(rel);
      else out.push({ file: rel, bytes: (await stat(path.join(dir, rel))).size });
    }
  };
  await walk('');
  return out;
}

/** Bytes per top-level part: dist, media, …, and node_modules/<package> (scoped packages keep their scope). */
export function sizeByPart(files: { file: string; bytes: number }[]): [string, number][] {
  const totals = new Map<string, number>();
  for (const { file, bytes } of files) {
    const parts = file.split(path.sep);
    const key = parts[0] !== 'node_modules' ? parts[0] : parts.slice(0, parts[1]?.startsWith('@') ? 3 : 2).join('/');
    totals.set(key, (totals.get(key) ?? 0) + bytes);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}
