// Errors that name what was wrong: the field, the value and what is allowed.

/** A configuration or input field that is out of range, of the wrong type, or unknown. */
export class ConfigError extends RangeError {
  readonly field: string;
  readonly value: unknown;
  /** what the field must be */
  readonly allowed: string;
  constructor(field: string, value: unknown, allowed: string) {
    super(`${printable(field, 200)} must be ${printable(allowed, 600)}, got ${formatValue(value)}`);
    this.name = 'ConfigError';
    this.field = field;
    this.value = value;
    this.allowed = allowed;
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
  /**
   * What the run had when it stopped (a TrainResult with `stopped` set: the history so far, W(step),
   * the losses so far), or null when it stopped before its first step (while sampling or preparing).
   */
  readonly result: import('./train/train.js').TrainResult | null;
  constructor(step: number, what = 'training', result: import('./train/train.js').TrainResult | null = null) {
    super(`${what} was aborted at step ${step}${result ? ' (the run so far is kept on this error: result)' : ''}`);
    this.name = 'AbortError';
    this.step = step;
    this.result = result;
  }
}

/**
 * Text safe to print on one terminal line: control characters (newlines, escapes that could clear
 * the screen or recolour it) shown as \n, \u001b, ...; at most `max` characters.
 */
export function printable(s: string, max = 200): string {
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** A value as it appears in an error message: short, on one line, never throwing. */
export function formatValue(v: unknown): string {
  try {
    if (typeof v === 'string') {
      const q = JSON.stringify(v.length > 80 ? v.slice(0, 80) : v);
      return v.length > 80 ? `${q.slice(0, -1)}…" (${v.length} characters)` : q;
    }
    if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'function' || typeof v === 'symbol') return `a ${typeof v}`;
    if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
    let s: string | undefined;
    try {
      s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
    } catch {
      s = undefined; // too deep, cyclic, or a getter that throws
    }
    if (s === undefined) {
      if (Array.isArray(v)) return `an array of ${v.length} items`;
      const keys = Object.keys(v as object);
      return `an object with keys ${printable(keys.slice(0, 5).join(', '), 60)}${keys.length > 5 ? ', …' : ''}`;
    }
    return printable(s, 80);
  } catch {
    return '(a value that cannot be read)';
  }
}
