import type { Command } from 'commander';
import { createContext } from '../context.js';
import { addFileOption } from './shared-options.js';

interface DoctorFlags {
  fix?: boolean;
  file?: string;
  json?: boolean;
}

export function registerDoctor(program: Command): void {
  const cmd = program
    .command('doctor')
    .description('Check your project for common issues (Cog doctor\'s checks and more) and fix the safe ones')
    .option('--fix', 'apply the safe fixes, each shown as a diff')
    .option('--json', 'print the findings as one JSON document on stdout');
  addFileOption(cmd);
  cmd.addHelpText(
    'after',
    '\nExit status: 0 when nothing must change (warnings allowed), 1 when an error is found.\n' +
      'COG_SKIP_DOCKER_CHECK=1 and COG_SKIP_GPU_CHECK=1 skip those checks, as in Cog.\n' +
      '\nExamples:\n  $ edgecog doctor\n  $ edgecog doctor --fix\n  $ edgecog doctor --json | jq .checks\n',
  );
  cmd.action(async (_opts, command: Command) => {
    const flags = command.opts() as DoctorFlags;
    const ctx = createContext(command, { json: flags.json });
    const [{ runDoctor }, { renderChange, renderReport, reportJson }] = await Promise.all([import('../doctor/run.js'), import('../doctor/render.js')]);
    const paint = (colour: Parameters<typeof ctx.ui.paint>[0], text: string) => ctx.ui.paint(colour, text);
    const report = await runDoctor({
      cwd: ctx.cwd,
      file: flags.file,
      fix: Boolean(flags.fix),
      env: ctx.env,
      onChange: (change) => {
        ctx.ui.info(renderChange(change, paint));
      },
    });
    if (flags.json) ctx.ui.result(JSON.stringify(reportJson(report), null, 2));
    else ctx.ui.raw(renderReport(report, { fix: Boolean(flags.fix), paint }));
    if (report.errors > 0) process.exitCode = 1;
  });
}
