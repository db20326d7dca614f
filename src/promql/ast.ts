import type { LabelMatcher } from '../core/index.js';

/** The type of value an expression yields, as in Prometheus' `parser.ValueType`. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** When an `@` modifier pins a selector: a Unix ms timestamp, or the query's start or end. */
export type AtModifier = number | 'start' | 'end';

/** An instant vector selector such as `foo{a="b"} offset 5m @ 1700000000`. */
export interface VectorSelector {
  type: 'vector';
  matchers: LabelMatcher[];
  /** Shift back in time, ms (negative shifts forward). */
  offsetMs: number;
  at: AtModifier | undefined;
}

/** A range vector selector such as `foo[5m]`. */
export interface MatrixSelector {
  type: 'matrix';
  selector: VectorSelector;
  rangeMs: number;
}

/** Binary operators of the subset. */
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2' | '==' | '!=' | '>' | '<' | '>=' | '<=' | 'and' | 'or' | 'unless';

/** Vector matching of a binary expression between two instant vectors. */
export interface VectorMatching {
  card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  /** `on(...)` when true, `ignoring(...)` (or nothing) when false. */
  on: boolean;
  labels: string[];
  /** Labels copied from the "one" side by `group_left(...)`/`group_right(...)`. */
  include: string[];
}

/** Aggregation operators of the subset. */
export type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar' | 'topk' | 'bottomk' | 'quantile';

/** A parsed PromQL expression of the subset Vigil evaluates. */
export type Expr =
  | { type: 'number'; value: number }
  | { type: 'string'; value: string }
  | VectorSelector
  | MatrixSelector
  | { type: 'unary'; op: '-' | '+'; expr: Expr }
  | { type: 'binary'; op: BinaryOp; lhs: Expr; rhs: Expr; bool: boolean; matching: VectorMatching | undefined }
  | { type: 'aggregate'; op: AggregateOp; param: Expr | undefined; expr: Expr; grouping: string[]; without: boolean }
  | { type: 'call'; func: string; args: Expr[] };

/** True for comparison operators (`==`, `!=`, `>`, `<`, `>=`, `<=`). */
export function isComparison(op: BinaryOp): boolean {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

/** True for set operators (`and`, `or`, `unless`). */
export function isSetOp(op: BinaryOp): boolean {
  return op === 'and' || op === 'or' || op === 'unless';
}
