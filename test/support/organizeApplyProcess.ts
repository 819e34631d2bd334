/*
 * Child process used by test/integration/organize.test.ts to be killed in the middle of an organize apply:
 *
 *   node --import tsx test/support/organizeApplyProcess.ts <plan.json> <cacheDir> [resume]
 *
 * Applies the plan (or resumes the journal's apply), printing "moved" after each step and "done" at the end.
 */
import { readFile } from 'node:fs/promises';
import { applyPlan, resumeApply } from '../../src/core/organize/apply';
import type { OrganizePlan } from '../../src/core/organize/plan';

const [planFile, cacheDir, mode] = process.argv.slice(2);
const onStep = () => process.stdout.write('moved\n');
const run = mode === 'resume' ? resumeApply(cacheDir, { onStep }) : readFile(planFile, 'utf8').then((text) => applyPlan(JSON.parse(text) as OrganizePlan, cacheDir, { onStep }));
run.then(
  () => process.stdout.write('done\n'),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
