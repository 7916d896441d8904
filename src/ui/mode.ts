/** Output mode, decided once per process (see DESIGN.md "Output mode"). */
export type OutputMode = 'tty' | 'plain' | 'json';

export interface ModeInputs {
  json?: boolean;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  noColor?: boolean;
}

export function decideOutputMode(inputs: ModeInputs): OutputMode {
  if (inputs.json) return 'json';
  const env = inputs.env;
  if (!inputs.isTTY) return 'plain';
  if (env.CI && env.CI !== 'false' && env.CI !== '0') return 'plain';
  if (env.TERM === 'dumb') return 'plain';
  return 'tty';
}

export function colorEnabled(mode: OutputMode, env: NodeJS.ProcessEnv, noColor?: boolean): boolean {
  if (mode !== 'tty') return false;
  if (noColor) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return true;
}
