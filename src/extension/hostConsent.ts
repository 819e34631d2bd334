/**
 * Which LLM hosts file content may go to: hosts on this machine, and hosts the user agreed to once (remembered
 * per host in globalState). The question itself is asked before a run (preRunChecks.ts).
 */
import type * as vscode from 'vscode';
import { STATE_KEYS } from './logic/ids';
import { isLocalHost } from './logic/settings';

export function agreedHosts(context: vscode.ExtensionContext): string[] {
  return context.globalState.get<string[]>(STATE_KEYS.approvedRemoteHosts, []);
}

/** Whether `host` may be sent requests without asking. */
export function mayContact(context: vscode.ExtensionContext, host: string): boolean {
  return isLocalHost(host) || agreedHosts(context).includes(host);
}

export async function agreeTo(context: vscode.ExtensionContext, host: string): Promise<void> {
  await context.globalState.update(STATE_KEYS.approvedRemoteHosts, [...agreedHosts(context), host]);
}
