/**
 * `train`: the same path as a prediction, against /trainings of a server started with
 * `--x-mode train`; file outputs (the trained weights) go to -w (default `weights`).
 */
import type { CommandContext } from '../context.js';
import { runPrediction, type RunPredictionOptions } from './run-prediction.js';

export type TrainOptions = Omit<RunPredictionOptions, 'mode'>;

export function runTraining(ctx: CommandContext, options: TrainOptions): Promise<number> {
  return runPrediction(ctx, { ...options, mode: 'train' });
}
