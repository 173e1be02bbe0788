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

/** Training stopped because the loss stopped being finite. */
export class NonFiniteLossError extends Error {
  readonly step: number;
  readonly loss: number;
  /** The last weights whose loss was finite, (m, d) row-major; W(step − 1). */
  readonly lastFiniteWeights: Float32Array | Float64Array | null;
  readonly lastFiniteStep: number;
  constructor(step: number, loss: number, lastFiniteWeights: Float32Array | Float64Array | null) {
    super(
      `training loss became ${String(loss)} at step ${step}; ` +
        `the last finite weights (step ${step - 1}) are kept on this error (lastFiniteWeights). ` +
        `Try a smaller train.alpha.`,
    );
    this.name = 'NonFiniteLossError';
    this.step = step;
    this.loss = loss;
    this.lastFiniteWeights = lastFiniteWeights;
    this.lastFiniteStep = step - 1;
  }
}

/** The run was cancelled through its AbortSignal. */
export class AbortError extends Error {
  constructor(step: number) {
    super(`training was aborted at step ${step}`);
    this.name = 'AbortError';
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
