/** A labelled choice of a categorical variable: a name (`'sep3x3'`) or a number (`128`). */
export type Choice = string | number;

/** A categorical variable: exactly one of `choices` is picked. */
export interface CategoricalVariable {
  readonly kind: 'categorical';
  /** Unique name within the search space, for example `'normal.node2.op1'`. */
  readonly name: string;
  /** The labelled choices, at least one. A variable with one choice is fixed and adds no parameter. */
  readonly choices: readonly Choice[];
  /** Optional human-readable explanation, shown in reports. */
  readonly description?: string;
}

/** An integer variable in the closed range `[min, max]`. */
export interface IntegerVariable {
  readonly kind: 'integer';
  /** Unique name within the search space. */
  readonly name: string;
  /** Smallest allowed value (an integer). */
  readonly min: number;
  /** Largest allowed value (an integer, `>= min`). */
  readonly max: number;
  /**
   * Smallest standard deviation the search distribution may shrink to.
   * @default 0.25 (as in the paper: the rounding of an integer stays random until the end)
   */
  readonly minStd?: number;
  /** Optional human-readable explanation, shown in reports. */
  readonly description?: string;
}

/** A real-valued variable in the closed range `[min, max]`. */
export interface ContinuousVariable {
  readonly kind: 'continuous';
  /** Unique name within the search space. */
  readonly name: string;
  /** Lower bound (finite). */
  readonly min: number;
  /** Upper bound (finite, `> min`). */
  readonly max: number;
  /**
   * Smallest standard deviation the search distribution may shrink to.
   * @default (max - min) / 1000
   */
  readonly minStd?: number;
  /** Optional human-readable explanation, shown in reports. */
  readonly description?: string;
}

/** Any variable a search space can declare. */
export type Variable = CategoricalVariable | IntegerVariable | ContinuousVariable;

/** An integer or continuous variable: searched with a Gaussian. */
export type NumericVariable = IntegerVariable | ContinuousVariable;

/**
 * One point of a search space: the value of every variable, by name. A
 * categorical variable holds one of its labelled choices, an integer variable
 * an integer in its range, a continuous variable a number in its range.
 */
export type Architecture = Readonly<Record<string, Choice>>;

/** Declares a categorical variable. */
export function categorical(name: string, choices: readonly Choice[], description?: string): CategoricalVariable {
  return description === undefined ? { kind: 'categorical', name, choices } : { kind: 'categorical', name, choices, description };
}

/** Declares an integer variable in `[min, max]`. */
export function integer(name: string, min: number, max: number, options: { minStd?: number; description?: string } = {}): IntegerVariable {
  return { kind: 'integer', name, min, max, ...options };
}

/** Declares a continuous variable in `[min, max]`. */
export function continuous(name: string, min: number, max: number, options: { minStd?: number; description?: string } = {}): ContinuousVariable {
  return { kind: 'continuous', name, min, max, ...options };
}

/** The smallest standard deviation a Gaussian over `variable` may reach (see {@link IntegerVariable.minStd}). */
export function minStdOf(variable: NumericVariable): number {
  if (variable.minStd !== undefined) return variable.minStd;
  return variable.kind === 'integer' ? 0.25 : (variable.max - variable.min) / 1000;
}

/**
 * Checks a list of variables and throws a `TypeError` naming the offending
 * variable and field: unique non-empty names, at least one choice with no
 * duplicate labels, finite ordered bounds, integer bounds for integers, and a
 * `minStd` inside `(0, (max - min) / 2]`.
 */
export function validateVariables(variables: readonly Variable[], where = 'variables'): void {
  if (!Array.isArray(variables)) {
    throw new TypeError(`${where}: expected an array of variables, got ${typeof variables}`);
  }
  const seen = new Set<string>();
  variables.forEach((v, i) => {
    const at = `${where}[${i}]`;
    if (v === null || typeof v !== 'object') throw new TypeError(`${at}: expected a variable object, got ${String(v)}`);
    if (typeof v.name !== 'string' || v.name.length === 0) {
      throw new TypeError(`${at}.name: expected a non-empty string, got ${JSON.stringify(v.name)}`);
    }
    if (seen.has(v.name)) throw new TypeError(`${at}.name: duplicate variable name '${v.name}'`);
    seen.add(v.name);
    switch (v.kind) {
      case 'categorical': {
        if (!Array.isArray(v.choices) || v.choices.length === 0) {
          throw new TypeError(`${at} ('${v.name}').choices: expected at least one choice`);
        }
        const labels = new Set<Choice>();
        for (const c of v.choices) {
          if (typeof c !== 'string' && !(typeof c === 'number' && Number.isFinite(c))) {
            throw new TypeError(`${at} ('${v.name}').choices: expected strings or finite numbers, got ${JSON.stringify(c)}`);
          }
          if (labels.has(c)) throw new TypeError(`${at} ('${v.name}').choices: duplicate choice ${JSON.stringify(c)}`);
          labels.add(c);
        }
        break;
      }
      case 'integer':
      case 'continuous': {
        if (!Number.isFinite(v.min) || !Number.isFinite(v.max)) {
          throw new TypeError(`${at} ('${v.name}'): min and max must be finite numbers, got [${v.min}, ${v.max}]`);
        }
        if (v.kind === 'integer' && (!Number.isInteger(v.min) || !Number.isInteger(v.max))) {
          throw new TypeError(`${at} ('${v.name}'): integer bounds must be integers, got [${v.min}, ${v.max}]`);
        }
        if (v.kind === 'integer' ? v.max <= v.min : !(v.max > v.min)) {
          throw new TypeError(`${at} ('${v.name}'): expected max > min, got [${v.min}, ${v.max}]`);
        }
        const minStd = minStdOf(v);
        const maxStd = (v.max - v.min) / 2;
        if (!(minStd > 0 && minStd <= maxStd)) {
          throw new TypeError(`${at} ('${v.name}').minStd: expected a number in (0, ${maxStd}], got ${minStd}`);
        }
        break;
      }
      default:
        throw new TypeError(
          `${at} ('${String((v as { name?: unknown }).name)}').kind: expected 'categorical', 'integer' or 'continuous', got ${JSON.stringify((v as { kind?: unknown }).kind)}`,
        );
    }
  });
}

/**
 * Checks that `architecture` gives every variable a valid value and nothing
 * else, throwing a `TypeError` that names the variable, what was expected and
 * what was found.
 */
export function validateArchitecture(variables: readonly Variable[], architecture: Architecture, where = 'architecture'): void {
  if (architecture === null || typeof architecture !== 'object') {
    throw new TypeError(`${where}: expected an object mapping variable names to values, got ${String(architecture)}`);
  }
  const names = new Set(variables.map((v) => v.name));
  for (const key of Object.keys(architecture)) {
    if (!names.has(key)) throw new TypeError(`${where}: unknown variable '${key}'`);
  }
  for (const v of variables) {
    const value = architecture[v.name];
    if (value === undefined) throw new TypeError(`${where}: missing variable '${v.name}'`);
    if (v.kind === 'categorical') {
      if (!v.choices.includes(value)) {
        throw new TypeError(`${where}.${v.name}: expected one of ${JSON.stringify(v.choices)}, got ${JSON.stringify(value)}`);
      }
    } else {
      const ok = typeof value === 'number' && value >= v.min && value <= v.max && (v.kind === 'continuous' || Number.isInteger(value));
      if (!ok) {
        throw new TypeError(
          `${where}.${v.name}: expected ${v.kind === 'integer' ? 'an integer' : 'a number'} in [${v.min}, ${v.max}], got ${JSON.stringify(value)}`,
        );
      }
    }
  }
}

/** A one-line-per-variable, human-readable listing of an architecture. */
export function formatArchitecture(variables: readonly Variable[], architecture: Architecture): string {
  const width = variables.reduce((w, v) => Math.max(w, v.name.length), 0);
  return variables
    .map((v) => {
      const value = architecture[v.name];
      const shown = typeof value === 'number' && v.kind === 'continuous' ? value.toPrecision(6) : String(value);
      return `${v.name.padEnd(width)}  ${shown}`;
    })
    .join('\n');
}
