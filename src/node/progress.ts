// A progress bar on stderr (cli-progress) for the CLI; a no-op when stderr is not a terminal.
import cliProgress from 'cli-progress';

/** A progress bar on stderr when it is a terminal, or nothing. */
export function progressBar(label: string, enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return { update: (_s: number, _t: number, _l?: number) => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | step {value}/{total} | loss {loss} | eta {eta_formatted}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(step: number, total: number, loss?: number) {
      if (!started) {
        bar.start(total, 0, { loss: '-' });
        started = true;
      }
      bar.update(step, { loss: loss === undefined ? '-' : loss.toFixed(5) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
