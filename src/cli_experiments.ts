// Experiment subcommands (figure1, figure2, amplification, sweeps, reproduce) register here.
import type { Command } from 'commander';

export function registerExperimentCommands(_program: Command): void {}
