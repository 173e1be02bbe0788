// Errors that name what was wrong: the field, the value and what is allowed.

/** A configuration or input field that is out of range, of the wrong type, or unknown. */
export class ConfigError extends RangeError {
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, allowed: string) {
    super(`${field} must be ${allowed}, got ${formatValue(value)}`);
    this.name = 'ConfigError';
    this.field = field;
    this.value = value;
  }
}

/** Training stopped because the loss or the weights stopped being finite. */
export class NonFiniteError extends Error {
  /** the first step t whose loss L̂(W(t)), or whose weights W(t), were not finite */
  readonly step: number;
  /** The last finite weights, W(step − 1), (m, d) row-major; null when step is 0. */
  readonly lastFiniteWeights: Float32Array | Float64Array | null;
  readonly lastFiniteStep: number;
  constructor(what: string, step: number, lastFiniteWeights: Float32Array | Float64Array | null) {
    super(
      step === 0
        ? `${what} at step 0: the initial weights W(0) and the data give no finite loss; check their scale`
        : `${what} at step ${step}; the last finite weights (step ${step - 1}) are kept on this error (lastFiniteWeights). ` +
            'Try a smaller train.alpha.',
    );
    this.step = step;
    this.lastFiniteWeights = lastFiniteWeights;
    this.lastFiniteStep = step - 1;
  }
}

/** Training stopped because the loss L̂(W(step)) was NaN or ±∞. */
export class NonFiniteLossError extends NonFiniteError {
  readonly loss: number;
  constructor(step: number, loss: number, lastFiniteWeights: Float32Array | Float64Array | null) {
    super(`training loss became ${String(loss)}`, step, lastFiniteWeights);
    this.name = 'NonFiniteLossError';
    this.loss = loss;
  }
}

/** Training stopped because a weight of W(step) was NaN or ±∞ (even though the loss may be finite). */
export class NonFiniteWeightsError extends NonFiniteError {
  constructor(step: number, lastFiniteWeights: Float32Array | Float64Array | null) {
    super('the weights stopped being finite (a weight is NaN or ±∞)', step, lastFiniteWeights);
    this.name = 'NonFiniteWeightsError';
  }
}

/** The run was cancelled through its AbortSignal. */
export class AbortError extends Error {
  /** the step reached: W(step) is the last complete state */
  readonly step: number;
  constructor(step: number, what = 'training') {
    super(`${what} was aborted at step ${step}`);
    this.name = 'AbortError';
    this.step = step;
  }
}

export function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? s.slice(0, 77) + '...' : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}
