/**
 * Proves the e2e harness with a probe extension of its own (support/probeExtension.ts), independent of the state
 * of the real extension: install from a VSIX, both answers to Workspace Trust, the command palette, a notification,
 * and processes forked by the extension host seen with `ps` as its children, then gone.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { tempDir } from '../support/paths';
import { buildProbeVsix, PROBE_CHILD_LIFETIME_MS, PROBE_COMMAND_TITLE, PROBE_MESSAGE } from './support/probeExtension';
import { isAlive, processTable } from './support/processes';
import { waitFor } from '../support/wait';
import { withSession } from './support/session';

let probeDir: string;
let probeVsix: string;
before(async () => {
  probeDir = await tempDir('e2e-probe');
  probeVsix = await buildProbeVsix(probeDir);
});
after(() => (probeDir ? rm(probeDir, { recursive: true, force: true }) : undefined));

test('in a trusted folder the probe command runs and its child process belongs to the extension host', { timeout: 240_000 }, async () => {
  await withSession({ name: 'harness/trusted', vsix: [probeVsix], trust: true }, async ({ workbench, extensionHost }) => {
    assert.equal(await workbench.isRestricted(), false, 'trusting the folder should leave restricted mode off');
    await workbench.screenshot('trusted-workbench');

    await workbench.runCommand(PROBE_COMMAND_TITLE);
    const toast = await workbench.notification(PROBE_MESSAGE);
    await workbench.screenshot('probe-notification');
    const [, childPid, childParent, hostPid] = PROBE_MESSAGE.exec(await toast.innerText())!.map(Number);

    const host = extensionHost();
    assert.equal(hostPid, host.pid, 'the notification came from the extension host that ps shows below code-server');
    assert.equal(childParent, host.pid, 'the child reports the extension host as its parent');
    const child = processTable().find((p) => p.pid === childPid);
    assert.ok(child, `the child ${childPid} should still be running`);
    assert.equal(child.ppid, host.pid, 'ps shows the child below the extension host');

    await waitFor(`child ${childPid} to exit by itself`, () => (isAlive(childPid) ? undefined : true), PROBE_CHILD_LIFETIME_MS + 10_000);
  });
});

test('in restricted mode the probe, which declares no untrusted-workspace support, is disabled', { timeout: 240_000 }, async () => {
  await withSession({ name: 'harness/restricted', vsix: [probeVsix], trust: false }, async ({ workbench }) => {
    assert.equal(await workbench.isRestricted(), true, 'declining trust should show the Restricted Mode indicator');
    await workbench.screenshot('restricted-workbench');
    await assert.rejects(workbench.runCommand(PROBE_COMMAND_TITLE), /offers no command titled "E2E Probe: Hello"/);
  });
});
