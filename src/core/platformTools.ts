/**
 * Programs a platform-specific VSIX carries (`npm run package -- --target linux-x64`): ffmpeg and a prebuilt
 * whisper-cli in `bin/<platform>-<arch>/` beside dist/, so a user needs neither ffmpeg on PATH nor a compiler.
 * The universal VSIX and the npm package have no bin/; then there is nothing here and the usual lookup goes on.
 */
import { statSync } from 'node:fs';
import path from 'node:path';

export type PlatformTool = 'ffmpeg' | 'whisper-cli';

/** bin/<platform>-<arch>/ of the package: dist/ is where the bundles (and so __dirname) are. */
export function platformToolsDir(distDir: string = __dirname): string {
  return path.join(distDir, '..', 'bin', `${process.platform}-${process.arch}`);
}

/** The path of a carried program, when this package carries it for this platform. */
export function platformTool(tool: PlatformTool, distDir?: string): string | undefined {
  const file = path.join(platformToolsDir(distDir), process.platform === 'win32' ? `${tool}.exe` : tool);
  return statSync(file, { throwIfNoEntry: false })?.isFile() ? file : undefined;
}
