/**
 * The VS Code workbench as a person sees it, through Playwright: the Workspace Trust dialog, the command palette,
 * views and their tree items, hovers, context menus, notifications and screenshots. Selectors are VS Code 1.100's
 * DOM (code-server 4.100.3); every wait is bounded, and a failed wait names what was awaited.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

/** Long enough for a cold workbench on 2 cores (measured 10–20 s), short enough that a hang fails the test. */
const WORKBENCH_TIMEOUT_MS = 90_000;
const STEP_TIMEOUT_MS = 30_000;

export class Workbench {
  private shots = 0;

  private constructor(
    readonly page: Page,
    private readonly context: BrowserContext,
    /** Screenshots of this test go here, numbered in the order taken. */
    readonly screenshotDir: string,
  ) {
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
  }

  /** Opens `folder` in a new browser page of the workbench at `url` and waits until the workbench is laid out. */
  static async open(browser: Browser, url: string, folder: string, screenshotDir: string): Promise<Workbench> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const workbench = new Workbench(page, context, screenshotDir);
    await page.goto(`${url}?folder=${encodeURIComponent(folder)}`, { timeout: WORKBENCH_TIMEOUT_MS });
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: WORKBENCH_TIMEOUT_MS });
    return workbench;
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }

  /**
   * Saves a screenshot as `<NN>-<step>.png` and returns its path: the whole page, or only the smallest rectangle
   * around the visible elements of `around` (plus a margin), e.g. a view and its hover for the README.
   */
  async screenshot(step: string, around: Locator[] = []): Promise<string> {
    await mkdir(this.screenshotDir, { recursive: true });
    const file = path.join(this.screenshotDir, `${String(++this.shots).padStart(2, '0')}-${step.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file, clip: await this.boxAround(around) });
    return file;
  }

  private async boxAround(elements: Locator[], margin = 8): Promise<{ x: number; y: number; width: number; height: number } | undefined> {
    const boxes = (await Promise.all(elements.map((element) => element.boundingBox().catch(() => null)))).filter((box) => box !== null);
    if (boxes.length === 0) return undefined;
    const viewport = this.page.viewportSize() ?? { width: 1400, height: 900 };
    const x = Math.max(0, Math.min(...boxes.map((b) => b.x)) - margin);
    const y = Math.max(0, Math.min(...boxes.map((b) => b.y)) - margin);
    const right = Math.min(viewport.width, Math.max(...boxes.map((b) => b.x + b.width)) + margin);
    const bottom = Math.min(viewport.height, Math.max(...boxes.map((b) => b.y + b.height)) + margin);
    return { x, y, width: right - x, height: bottom - y };
  }

  /**
   * Answers the Workspace Trust dialog that blocks all input when a folder is first opened: trust it, or continue
   * in restricted mode. The dialog appears some seconds after the workbench, so this waits for it; and returns once
   * the status bar agrees (its "Restricted Mode" entry shows until trust is granted, and lags the click a little).
   */
  async answerWorkspaceTrust(trust: boolean): Promise<void> {
    const dialog = this.page.locator('.monaco-dialog-box').filter({ hasText: 'Do you trust the authors' });
    await dialog.waitFor({ state: 'visible', timeout: WORKBENCH_TIMEOUT_MS });
    await this.screenshot(trust ? 'workspace-trust-dialog' : 'workspace-trust-dialog-restricted');
    await dialog.getByRole('button', { name: trust ? 'Yes, I trust the authors' : "No, I don't trust the authors" }).click();
    await dialog.waitFor({ state: 'hidden' });
    await this.restrictedModeIndicator().waitFor({ state: trust ? 'hidden' : 'visible' });
  }

  /** True when the workbench shows the Restricted Mode indicator in the status bar. */
  async isRestricted(): Promise<boolean> {
    return this.restrictedModeIndicator().isVisible();
  }

  private restrictedModeIndicator(): Locator {
    return this.page.locator('.part.statusbar').getByText('Restricted Mode');
  }

  /**
   * Runs a command by its palette title ("Category: Title"): clicks the command center in the title bar, types
   * `>` and the title, and picks the entry whose label is exactly that title (not a longer one that contains it).
   * A command that asks something itself (a QuickPick or input box) reuses the quick input: pass the title it
   * shows as `opensQuickInput` to wait for that instead of the quick input closing.
   */
  async runCommand(title: string, { opensQuickInput }: { opensQuickInput?: string } = {}): Promise<void> {
    const quickInput = this.page.locator('.quick-input-widget');
    await this.page.locator('.command-center-quick-pick').click();
    await quickInput.waitFor({ state: 'visible' });
    await quickInput.locator('input').fill(`>${title}`);
    const entry = quickInput.locator('.monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) });
    try {
      await entry.first().waitFor({ state: 'visible', timeout: 10_000 });
    } catch {
      const offered = await quickInput.locator('.monaco-list-row .label-name').allInnerTexts();
      await this.screenshot(`command-not-found`);
      await this.page.keyboard.press('Escape');
      throw new Error(`The command palette offers no command titled "${title}" (it offers: ${offered.join(' | ') || 'nothing'}). Is the extension installed and enabled?`);
    }
    await entry.first().click();
    if (opensQuickInput) await quickInput.locator('.quick-input-title').filter({ hasText: opensQuickInput }).waitFor({ state: 'visible' });
    else await quickInput.waitFor({ state: 'hidden' });
  }

  /** A view's pane (its header and body) by the view's name, e.g. "Media Summaries". */
  view(name: string): Locator {
    return this.page.locator('.pane').filter({ has: this.page.locator('.pane-header', { hasText: new RegExp(`^\\s*${escapeRegExp(name)}`, 'i') }) });
  }

  /** Clicks the activity bar entry with this title (e.g. "Media Summaries", "Explorer") unless it is already open. */
  async openViewContainer(title: string): Promise<void> {
    const entry = this.page.locator('.part.activitybar .action-item').filter({ has: this.page.locator(`a.action-label[aria-label^="${title}"]`) });
    await entry.waitFor({ state: 'visible' });
    if ((await entry.getAttribute('class'))?.includes('checked')) return;
    await entry.click();
    // The entry's own hover ("Explorer (Ctrl+Shift+E)") would otherwise sit over the view and swallow the next click.
    await this.dismissHovers();
  }

  /** Moves the mouse to the empty editor area and waits (briefly, best effort) for any open hover to close. */
  async dismissHovers(): Promise<void> {
    await this.page.mouse.move(900, 500);
    await this.page.locator('.context-view .hover-contents, .monaco-hover:not(.hidden)').first().waitFor({ state: 'hidden', timeout: 3000 }).catch(() => undefined);
  }

  /** The tree rows of a pane whose accessible name contains `label` (a file name, a folder, …). */
  treeItem(pane: Locator, label: string | RegExp): Locator {
    return pane.getByRole('treeitem', { name: label });
  }

  /** The Explorer's row for a file or folder name. */
  explorerItem(name: string): Locator {
    return this.page.locator('.explorer-folders-view').getByRole('treeitem', { name, exact: true });
  }

  /**
   * Hovers `target` and returns the text of the hover that appears (tree item tooltips, status bar items). Moves
   * the mouse away afterwards so the next hover starts fresh.
   */
  async hoverText(target: Locator, screenshotStep?: string, cropAround?: Locator[]): Promise<string> {
    // A hover left open by an earlier step (the command center's, after runCommand) would be read instead.
    await this.dismissHovers();
    await target.hover();
    // Tree items resolve their tooltip lazily: the hover shows "Loading..." first, then the content.
    const hover = this.page.locator('.monaco-hover:not(.hidden)').filter({ hasText: /\S/ }).filter({ hasNotText: /^\s*Loading\W*$/ }).last();
    await hover.waitFor({ state: 'visible' });
    if (screenshotStep) await this.screenshot(screenshotStep);
    // A second, cropped picture of the hover with the given elements (the view beside it), when asked for.
    if (screenshotStep && cropAround) await this.screenshot(`${screenshotStep}-cropped`, [hover, ...cropAround]);
    const text = await hover.innerText();
    await this.page.keyboard.press('Escape');
    await this.dismissHovers();
    return text;
  }

  /** Hovers `target` and clicks the link `label` in the hover that appears (a hover's own action). */
  async clickHoverLink(target: Locator, label: string, screenshotStep?: string): Promise<void> {
    await this.dismissHovers();
    await target.hover();
    const link = this.page.locator('.monaco-hover:not(.hidden) a').filter({ hasText: label }).last();
    await link.waitFor({ state: 'visible' });
    if (screenshotStep) await this.screenshot(screenshotStep);
    await link.click();
    await this.dismissHovers();
  }

  /** Right-clicks `target` and picks `item` from the context menu VS Code draws (it lives in a shadow root). */
  async contextMenu(target: Locator, item: string, screenshotStep?: string): Promise<void> {
    await target.click({ button: 'right' });
    const menu = this.page.locator('.context-view .monaco-menu');
    await menu.waitFor({ state: 'visible' });
    const entry = menu.getByRole('menuitem', { name: item, exact: true });
    if (!(await entry.isVisible())) {
      const offered = await menu.getByRole('menuitem').allInnerTexts();
      await this.screenshot('context-menu-item-missing');
      await this.page.keyboard.press('Escape');
      throw new Error(`The context menu has no item "${item}" (it has: ${offered.map((t) => t.split('\n')[0]).join(' | ')})`);
    }
    if (screenshotStep) await this.screenshot(screenshotStep);
    await entry.click();
    // Under load the workbench sometimes drops that click (seen once in CI: the item highlighted, the menu still
    // open 30 s later). The item is focused then, so Enter runs it; a click that did land has closed the menu.
    const closed = await menu.waitFor({ state: 'hidden', timeout: 3000 }).then(
      () => true,
      () => false,
    );
    if (!closed) {
      await entry.focus();
      await this.page.keyboard.press('Enter');
      await menu.waitFor({ state: 'hidden' });
    }
  }

  /** A notification toast whose text matches, once it is shown. */
  async notification(text: string | RegExp, timeoutMs = STEP_TIMEOUT_MS): Promise<Locator> {
    const toast = this.page.locator('.notifications-toasts .notification-toast').filter({ hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return toast;
  }

  /**
   * The progress notification of a `withProgress` task whose text matches (VS Code shows "Title: message" and, for
   * a cancellable task, a Cancel button), once it is shown.
   */
  async progressNotification(text: string | RegExp, timeoutMs = STEP_TIMEOUT_MS): Promise<{ toast: Locator; cancel: Locator }> {
    const toast = await this.notification(text, timeoutMs);
    return { toast, cancel: toast.getByRole('button', { name: 'Cancel', exact: true }) };
  }

  /**
   * The text of every notification since the last "Clear All Notifications", read from the notification center:
   * toasts are not enough, as VS Code hides them after 15–20 s (and on Escape) while the center keeps them.
   */
  async notificationCenterTexts(): Promise<string[]> {
    await this.runCommand('Notifications: Show Notifications');
    const center = this.page.locator('.notifications-center');
    await center.waitFor({ state: 'visible' });
    const texts = await center.locator('.notification-list-item').allInnerTexts();
    await this.runCommand('Notifications: Hide Notifications');
    await center.waitFor({ state: 'hidden' });
    return texts;
  }

  /** Closes every notification ("Notifications: Clear All Notifications"), so the next step sees only its own. */
  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await this.page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
  }

  /** A status bar entry whose text matches (codicons such as $(sync~spin) are drawn as icons, not text). */
  statusBarItem(text: string | RegExp): Locator {
    return this.page.locator('.part.statusbar .statusbar-item').filter({ hasText: text });
  }

  /** The sidebar's title bar ("MEDIA SUMMARIES"), e.g. to crop a screenshot to the sidebar. */
  sidebarTitle(): Locator {
    return this.page.locator('.part.sidebar .composite.title');
  }

  /**
   * Leaves the workbench as a person closes its browser tab (VS Code shuts down and saves its state in the browser's
   * storage on the way out) and returns its address, for reopen().
   */
  async leave(): Promise<string> {
    const url = this.page.url();
    await this.page.goto('about:blank');
    return url;
  }

  /**
   * Opens the workbench at `url` again in the same page, and so with the same browser storage, where VS Code keeps its
   * state and extensions' globalState (per origin: a restarted code-server must listen on the same port).
   */
  async reopen(url: string): Promise<void> {
    await this.page.goto(url, { timeout: WORKBENCH_TIMEOUT_MS });
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: WORKBENCH_TIMEOUT_MS });
  }

  /** A dialog box (modal, e.g. from showWarningMessage with `modal: true`) whose text matches, visible or not. */
  dialog(text: string | RegExp): Locator {
    return this.page.locator('.monaco-dialog-box').filter({ hasText: text });
  }

  /**
   * Starts counting the dialogs whose text contains `text` that appear from now on (a MutationObserver in the
   * page), so a test can tell "shown once" from "shown twice" however briefly each was up. Returns the reader.
   */
  async countDialogs(text: string): Promise<() => Promise<number>> {
    const key = JSON.stringify(`__dialogCount_${Math.random().toString(36).slice(2)}`);
    // Page code as a string: the project compiles without the DOM library.
    await this.page.evaluate(`(() => {
      const seen = new WeakSet();
      window[${key}] = 0;
      const count = () => {
        for (const box of document.querySelectorAll('.monaco-dialog-box')) {
          if (seen.has(box) || !(box.textContent || '').includes(${JSON.stringify(text)})) continue;
          seen.add(box);
          window[${key}]++;
        }
      };
      new MutationObserver(count).observe(document.body, { childList: true, subtree: true, characterData: true });
      count();
    })()`);
    return () => this.page.evaluate<number>(`window[${key}]`);
  }

  /** The browser's clipboard text (needs the clipboard-read permission granted to the page's origin). */
  async clipboardText(): Promise<string> {
    return this.page.evaluate<string>('navigator.clipboard.readText()');
  }

  /** The quick input (command palette, QuickPick, input box). */
  quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Types `value` into the open input box (showInputBox), replacing what is there, and accepts it with Enter. */
  async answerInputBox(value: string, screenshotStep?: string): Promise<void> {
    const quickInput = this.quickInput();
    await quickInput.waitFor({ state: 'visible' });
    await quickInput.locator('input').fill(value);
    if (screenshotStep) await this.screenshot(screenshotStep);
    await quickInput.locator('input').press('Enter');
    await quickInput.waitFor({ state: 'hidden' });
  }

  /** The labels of the open QuickPick's rows (a row's first label; its detail line is another), once it shows one. */
  async quickPickLabels(): Promise<string[]> {
    const rows = this.quickInput().locator('.monaco-list-row');
    await rows.first().waitFor({ state: 'visible' });
    const labels: string[] = [];
    for (let i = 0; i < (await rows.count()); i++) labels.push((await rows.nth(i).locator('.label-name').first().innerText()).trim());
    return labels;
  }

  /** Picks the open QuickPick's row whose label is exactly `label`. */
  async pickQuickItem(label: string, screenshotStep?: string): Promise<void> {
    const quickInput = this.quickInput();
    const row = quickInput.locator('.monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) });
    await row.first().waitFor({ state: 'visible' });
    if (screenshotStep) await this.screenshot(screenshotStep);
    await row.first().click();
    await quickInput.waitFor({ state: 'hidden' });
  }

  /** The text of the active editor as drawn (its visible lines; Monaco draws spaces as no-break spaces). */
  async activeEditorText(): Promise<string> {
    const lines = this.page.locator('.editor-group-container.active .editor-instance .monaco-editor .view-lines').first();
    await lines.waitFor({ state: 'visible' });
    return (await lines.innerText()).replace(/\u00a0/g, ' ');
  }

  /** The title of the active editor tab, once one is open. */
  async activeEditorTitle(): Promise<string> {
    const tab = this.page.locator('.tabs-container .tab.active');
    await tab.waitFor({ state: 'visible' });
    return (await tab.getAttribute('aria-label')) ?? (await tab.innerText());
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
