import { inertTerminalText } from '../../core/inert';

/**
 * Untrusted text (file names, errors quoting files) shown in a notification: VS Code turns `[text](target)` in a
 * notification message into a link, including `command:` targets, so that syntax is broken apart; control and
 * bidi characters become "?".
 */
export function inertNotificationText(text: string): string {
  return inertTerminalText(text).replace(/\]\s*\(/g, '] (');
}

/** Untrusted text in a QuickPick row: "$(name)" would be drawn as an icon there, so it is escaped. */
export function inertQuickPickText(text: string): string {
  return inertTerminalText(text).replace(/\$\(/g, '\\$(');
}
