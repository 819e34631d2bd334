import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface DesktopEnvironment {
  platform: NodeJS.Platform;
  home: string;
  env: NodeJS.ProcessEnv;
  readTextFile: (file: string) => Promise<string>;
  /** Reads the Windows "Desktop" shell folder; undefined when it cannot be read. */
  queryWindowsDesktop: () => Promise<string | undefined>;
}

/**
 * The user's Desktop folder: ~/Desktop on macOS; the Desktop known folder on Windows (often redirected to
 * OneDrive); the XDG DESKTOP entry on Linux (localized names such as ~/Schreibtisch), else ~/Desktop.
 */
export async function resolveDesktop(environment: DesktopEnvironment = realEnvironment()): Promise<string> {
  const { platform, home } = environment;
  const fallback = path.join(home, 'Desktop');
  if (platform === 'win32') return (await environment.queryWindowsDesktop()) ?? fallback;
  if (platform === 'darwin') return fallback;
  const configHome = environment.env.XDG_CONFIG_HOME || path.join(home, '.config');
  try {
    const dirs = await environment.readTextFile(path.join(configHome, 'user-dirs.dirs'));
    return parseXdgDesktop(dirs, home) ?? fallback;
  } catch {
    return fallback;
  }
}

/** Parses `XDG_DESKTOP_DIR="$HOME/Schreibtisch"` from user-dirs.dirs (the format xdg-user-dirs writes). */
export function parseXdgDesktop(contents: string, home: string): string | undefined {
  for (const line of contents.split(/\r?\n/)) {
    const match = /^\s*XDG_DESKTOP_DIR\s*=\s*"(.*)"\s*$/.exec(line);
    if (!match) continue;
    const value = match[1].replace(/\\(.)/g, '$1');
    if (value.startsWith('$HOME')) return path.join(home, value.slice('$HOME'.length));
    if (path.isAbsolute(value)) return value;
    return undefined; // relative paths are invalid per the xdg-user-dirs spec
  }
  return undefined;
}

/** Parses `reg query` output for the Desktop value of "User Shell Folders" and expands %VARS%. */
export function parseRegQueryDesktop(output: string, env: NodeJS.ProcessEnv): string | undefined {
  const match = /^\s*Desktop\s+REG_(?:EXPAND_)?SZ\s+(.+?)\s*$/im.exec(output);
  if (!match) return undefined;
  const expanded = match[1].replace(/%([^%]+)%/g, (whole, name: string) => {
    const key = Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase());
    return key ? (env[key] ?? whole) : whole;
  });
  return expanded.includes('%') ? undefined : expanded;
}

function realEnvironment(): DesktopEnvironment {
  return {
    platform: process.platform,
    home: os.homedir(),
    env: process.env,
    readTextFile: (file) => readFile(file, 'utf8'),
    queryWindowsDesktop: async () => {
      try {
        // An argument array, no shell: the registry key is constant, nothing user-provided reaches it.
        const { stdout } = await execFileAsync(
          'reg',
          ['query', 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\User Shell Folders', '/v', 'Desktop'],
          { timeout: 5000, windowsHide: true },
        );
        return parseRegQueryDesktop(stdout, process.env);
      } catch {
        return undefined;
      }
    },
  };
}
