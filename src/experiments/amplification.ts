// The paper's mechanism as a picture: the normalized correlations ⟨w_j/‖w_j‖, µ⟩ of the neurons in
// each set J_µ (Lemma 4) are of order 1/√d at t = 0 and of order 1 after a single step (Lemma 12);
// Conditions 9 (alignment) and 10 (almost-orthogonality) hold up to T = 1 + ⌊1/(4α)⌋ and are
// tracked past it. Also records Lemmas 3, 4 and 14 and Proposition 2. Two settings side by side:
// Appendix E's values (outside the assumptions: σ√d = d^−0.1 is not small) and a setting that meets
// (A1)–(A7) with C = 10, so one sees where the assumptions matter.
import { checkRange, defaultSteps, RANGES, resolveConfig, theoryConfig, type RfaConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import {
  assumptions, stats, GROUP_NAMES, type AssumptionReport, type FeatureChange, type Lemma3, type Stats,
} from '../metrics/instruments.js';
import { amplificationSpec, type FractionRow, type HistRow } from '../plot/specs.js';
import type { VlSpec } from '../plot/render.js';
import { train, type EvalRecord } from '../train/train.js';
import { paperInstrument, type RunOptions, type StepInstruments } from './common.js';

export type AmplificationSettingName = 'appendix-e' | 'theory';
export const SETTING_LABELS: Record<AmplificationSettingName, string> = {
  'appendix-e': 'Appendix E values',
  theory: '(A1)–(A7) with C = 10',
};

export interface AmplificationOptions extends RunOptions {
  n?: number;
  d?: number;
  /** how far to run past T (the conditions are tracked all the way) */
  steps?: number;
  C0?: number;
  settings?: AmplificationSettingName[];
}

export interface AmplificationSetting {
  setting: AmplificationSettingName;
  label: string;
  config: RfaConfig;
  /** T = 1 + ⌊1/(4α)⌋ */
  T: number;
  backend: string;
  timeMs: number;
  assumptions: AssumptionReport;
  lemma3: Lemma3;
  lemma4: { C0: number; threshold: number; sizes: number[]; bound: number; holds: boolean };
  /** per group: statistics of the correlation with its own µ at t = 0, 1 and T */
  amplification: { group: string; t0: Stats; t1: Stats; tT: Stats }[];
  /** median over ∪J_µ of the own-direction correlation at t = 0 and t = 1 */
  medianT0: number;
  medianT1: number;
  /** Conditions 9, 10 and Lemma 14 at each recorded step */
  conditions: { step: number; condition9: StepInstruments['condition9']; condition10: StepInstruments['condition10']; lemma14: StepInstruments['lemma14'] }[];
  /** Proposition 2 at T */
  proposition2: Omit<FeatureChange, 'perSample'>;
  history: EvalRecord[];
}

export interface AmplificationResult {
  name: 'amplification';
  settings: AmplificationSetting[];
  spec: VlSpec;
}

async function runSetting(setting: AmplificationSettingName, o: AmplificationOptions, hist: HistRow[], fractions: FractionRow[]): Promise<AmplificationSetting> {
  const shape = { seed: o.seed ?? 0, n: o.n ?? 200, d: o.d ?? 1000, nTest: 2000 };
  const base = setting === 'theory' ? theoryConfig(10, shape) : resolveConfig({ seed: shape.seed, data: { n: shape.n, d: shape.d, nTest: shape.nTest } });
  const T = defaultSteps(base.train.alpha);
  const steps = Math.max(o.steps ?? 300, T);
  const config = resolveConfig({ ...base, train: { ...base.train, steps } });
  const inst = paperInstrument(config, { C0: o.C0 ?? 2, perNeuronAt: [0, 1, T] });
  const evalAt = Array.from({ length: Math.min(steps, 12) + 1 }, (_, i) => i);
  for (let k = 0; k <= 30; k++) evalAt.push(Math.round(Math.exp((Math.log(steps) * k) / 30)));
  const r = await train(config, {
    backend: o.backend,
    signal: o.signal,
    evalAt: [...new Set(evalAt)].filter((s) => s <= steps),
    instrument: inst.instrument,
    onProgress: (p) => o.onProgress?.({ label: 'amplification', done: p.step, total: p.steps }),
  });
  const sets = inst.sets()!;
  const { m } = config.model;
  const d = config.data.d;
  const label = SETTING_LABELS[setting];
  const at = (t: number) => r.history.find((h) => h.step === t)!.extra as unknown as StepInstruments;
  const own = (t: number, g: number) => {
    const pn = at(t).perNeuron!;
    return Array.from(sets.sets[g]!, (j) => (g < 2 ? pn.mu1[j]! : pn.mu2[j]!) * (g % 2 === 0 ? 1 : -1));
  };
  const amp = GROUP_NAMES.map((group, g) => {
    for (const [time, t] of [['t = 0', 0], ['t = 1', 1], ['t = T', T]] as const) {
      for (const c of own(t, g)) hist.push({ setting: `${label} (T = ${T})`, time, group, correlation: +c.toFixed(4) });
    }
    return { group, t0: stats(own(0, g)), t1: stats(own(1, g)), tT: stats(own(T, g)) };
  });
  const all = (t: number) => [0, 1, 2, 3].flatMap((g) => own(t, g));
  const conditions = r.history.map((h) => {
    const e = h.extra as unknown as StepInstruments;
    fractions.push({ setting: label, step: h.step, condition: 'Condition 9 (alignment)', fraction: e.condition9.fraction });
    fractions.push({ setting: label, step: h.step, condition: 'Condition 10 (almost-orthogonality)', fraction: e.condition10.fraction });
    return { step: h.step, condition9: e.condition9, condition10: e.condition10, lemma14: e.lemma14 };
  });
  const atT = at(T);
  const prop2 = { ...atT.featureChange, omegaSqrtMd: config.model.omegaInit * Math.sqrt(m * d) };
  return {
    setting,
    label,
    config,
    T,
    backend: r.backend,
    timeMs: r.timeMs,
    assumptions: assumptions(base, 0.1),
    lemma3: at(0).lemma3!,
    lemma4: { C0: sets.C0, threshold: sets.threshold, sizes: sets.sizes, bound: sets.bound, holds: sets.holds },
    amplification: amp,
    medianT0: stats(all(0)).median,
    medianT1: stats(all(1)).median,
    conditions,
    proposition2: prop2,
    history: r.history.map((h) => ({ ...h, extra: { ...(h.extra as object), perNeuron: undefined } })),
  };
}

export async function amplification(o: AmplificationOptions = {}): Promise<AmplificationResult> {
  const hist: HistRow[] = [];
  const fractions: FractionRow[] = [];
  const settings: AmplificationSetting[] = [];
  const names = o.settings ?? (['appendix-e', 'theory'] as const);
  names.forEach((s, i) => {
    if (!(s in SETTING_LABELS)) throw new ConfigError(`settings[${i}]`, s, 'one of "appendix-e", "theory"');
  });
  checkRange('steps', o.steps ?? 300, RANGES['train.steps']);
  checkRange('C0', o.C0 ?? 2, { min: 0, max: 1e6, minOpen: true });
  for (const s of names) settings.push(await runSetting(s, o, hist, fractions));
  return { name: 'amplification', settings, spec: amplificationSpec(hist, fractions, o.d ?? 1000) };
}
