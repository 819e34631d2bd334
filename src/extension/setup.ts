/**
 * The setup checklist in VS Code: the Check Setup command (a QuickPick of every item with its state and buttons),
 * the status item shown while something is missing, the context keys the walkthrough's steps complete on, and
 * the one notification a run gives for setup problems. The checks themselves are logic/setupChecks.ts.
 */
import * as vscode from 'vscode';
import type { CurrentSettings, ExtensionConfig } from './config';
import { mayContact } from './hostConsent';
import { blockingItems, checkSetup, type SetupAction, type SetupItem, type SetupState } from './logic/setupChecks';
import { SETUP_CONTEXT_KEYS } from './logic/ids';
import { inertNotificationText } from './logic/inertText';
import { openSettings, type ModelServices } from './notifications';

const STATE_ICONS: Record<SetupState, string> = { ok: 'pass-filled', missing: 'error', optional: 'info', unknown: 'circle-large-outline' };
const STATE_WORDS: Record<SetupState, string> = { ok: 'ready', missing: 'missing', optional: 'optional', unknown: 'not checked' };
const ACTION_ICONS: Record<SetupAction['kind'], string> = {
  retry: 'refresh',
  openUrl: 'link-external',
  pullModel: 'cloud-download',
  selectModel: 'list-selection',
  downloadWhisperModel: 'cloud-download',
  buildWhisperCli: 'tools',
  setting: 'gear',
};
const CHECK_SETUP = 'Check Setup';

type PickItem = vscode.QuickPickItem & { item?: SetupItem };

export class SetupChecklist implements vscode.Disposable {
  private readonly statusItem: vscode.StatusBarItem;
  private latest: Promise<SetupItem[]> | undefined;
  /** Setup problems already shown in this window (until the settings change): a run repeats none of them. */
  private readonly shown = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly config: ExtensionConfig,
    private readonly services: ModelServices,
  ) {
    this.statusItem = vscode.window.createStatusBarItem('mediaSummarizer.setup', vscode.StatusBarAlignment.Left, 9);
    this.statusItem.name = 'Media Summarizer Setup';
    this.statusItem.command = 'mediaSummarizer.checkSetup';
  }

  /** Looks at every item now (with these settings, or the current ones); calls at once share one look. */
  check(current: CurrentSettings = this.config.read()): Promise<SetupItem[]> {
    const looking = checkSetup({ ...current, mayContact: mayContact(this.context, current.settings.ollamaHost) }).then((items) => {
      if (this.latest === looking) this.show(items);
      return items;
    });
    this.latest = looking;
    return looking;
  }

  /** The Check Setup command: every item with its state; Enter or a button runs the fix, then it looks again. */
  async open(): Promise<void> {
    const pick = vscode.window.createQuickPick<PickItem>();
    pick.title = 'Media Summarizer Setup';
    pick.placeholder = 'What summaries of screenshots, photos, recordings and voice memos need — select an item to fix it';
    pick.matchOnDetail = true;
    const again: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('refresh'), tooltip: 'Check Again' };
    pick.buttons = [again];
    const load = async () => {
      pick.busy = true;
      const items = await this.check();
      pick.items = items.map((item) => this.pickItem(item));
      pick.busy = false;
    };
    const done = new Promise<void>((resolve) => pick.onDidHide(() => resolve()));
    pick.onDidTriggerButton(() => void load());
    pick.onDidTriggerItemButton(({ item, button }) => {
      const action = item.item?.actions.find((candidate) => candidate.label === button.tooltip);
      if (action) void this.act(action, pick, load);
    });
    pick.onDidAccept(() => {
      const action = pick.selectedItems[0]?.item?.actions[0];
      if (action) void this.act(action, pick, load);
    });
    pick.show();
    await load();
    await done;
    pick.dispose();
  }

  /**
   * The run's one notification for what keeps its files from being summarized in full: one problem with its own
   * buttons, several named together with Check Setup. `retry` runs the same files again after a fix.
   */
  async notify(current: CurrentSettings, needsMediaTools: boolean, retry: () => void): Promise<SetupItem[]> {
    const blocking = blockingItems(await this.check(current), needsMediaTools);
    const keys = blocking.map((item) => `${item.id}\n${item.detail}`);
    if (keys.every((key) => this.shown.has(key))) return blocking;
    for (const key of keys) this.shown.add(key);
    const first = blocking[0];
    const message =
      blocking.length === 1
        ? `Media Summarizer: ${first.detail}`
        : `Media Summarizer is not fully set up: ${blocking.map((item) => item.title).join(', ')}. ${first.detail}`;
    const buttons = [...first.actions.slice(0, 2).map((action) => action.label), CHECK_SETUP];
    void vscode.window.showWarningMessage(inertNotificationText(message), ...buttons).then(async (choice) => {
      if (choice === CHECK_SETUP) return this.open();
      const action = first.actions.find((candidate) => candidate.label === choice);
      if (!action) return;
      if (action.kind === 'retry') return retry();
      if (await this.perform(action)) retry();
    });
    return blocking;
  }

  /** The settings changed: a problem may be new again, and the items are looked at again. */
  reset(): void {
    this.shown.clear();
    void this.check();
  }

  dispose(): void {
    this.statusItem.dispose();
  }

  private pickItem(item: SetupItem): PickItem {
    return {
      label: `$(${STATE_ICONS[item.state]}) ${item.title}`,
      description: STATE_WORDS[item.state],
      detail: item.detail,
      buttons: item.actions.map((action) => ({ iconPath: new vscode.ThemeIcon(ACTION_ICONS[action.kind]), tooltip: action.label })),
      item,
    };
  }

  /** A fix chosen in the checklist: the list goes while it runs (a pull shows its own progress) and comes back after. */
  private async act(action: SetupAction, pick: vscode.QuickPick<PickItem>, load: () => Promise<void>): Promise<void> {
    if (action.kind === 'retry') return load();
    pick.hide();
    if (await this.perform(action)) void this.open();
  }

  /** Does what an action says; resolves true when something changed that is worth looking at again. */
  private async perform(action: SetupAction): Promise<boolean> {
    switch (action.kind) {
      case 'retry':
        return true;
      case 'openUrl':
        await vscode.env.openExternal(vscode.Uri.parse(action.url));
        return false;
      case 'pullModel':
        return this.services.pullModel(action.model);
      case 'selectModel':
        await vscode.commands.executeCommand('mediaSummarizer.selectModel');
        return false;
      case 'downloadWhisperModel':
        await this.services.downloadWhisperModel(action.model);
        return true;
      case 'buildWhisperCli':
        return this.services.buildWhisperCli();
      case 'setting':
        openSettings(action.key);
        return false;
    }
  }

  /** The status item while something is missing, and the walkthrough's context keys. */
  private show(items: readonly SetupItem[]): void {
    const missing = blockingItems(items, true);
    const ready = (...ids: Array<SetupItem['id']>) => ids.every((id) => items.find((item) => item.id === id)?.state === 'ok');
    void vscode.commands.executeCommand('setContext', SETUP_CONTEXT_KEYS.llmReady, ready('llm'));
    void vscode.commands.executeCommand('setContext', SETUP_CONTEXT_KEYS.modelReady, ready('llm', 'model'));
    void vscode.commands.executeCommand('setContext', SETUP_CONTEXT_KEYS.mediaReady, ready('ffmpeg', 'whisperModel', 'whisperCli'));
    if (missing.length === 0) {
      this.statusItem.hide();
      return;
    }
    this.statusItem.text = `$(warning) Media Summarizer: ${missing.length} to set up`;
    this.statusItem.tooltip = `Not set up: ${missing.map((item) => item.title).join(', ')} — click to check setup`;
    this.statusItem.accessibilityInformation = { label: `Media Summarizer: ${missing.length} to set up: ${missing.map((item) => item.title).join(', ')}` };
    this.statusItem.show();
  }
}
