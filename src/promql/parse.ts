import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { isValidLabelName, type LabelMatcher, type MatchOp, VigilError } from '../core/index.js';
import {
  type AggregateOp,
  type AtModifier,
  type BinaryOp,
  type Expr,
  isComparison,
  isSetOp,
  type MatrixSelector,
  type ValueType,
  type VectorMatching,
  type VectorSelector,
} from './ast.js';

/** Argument and return types of one PromQL function; `minArgs` below `args.length` makes the tail optional. */
export interface FunctionSignature {
  args: ValueType[];
  minArgs: number;
  returns: ValueType;
}

const sig = (args: ValueType[], returns: ValueType = 'vector', minArgs = args.length): FunctionSignature => ({ args, minArgs, returns });

/** The functions of Vigil's PromQL subset and their types (Prometheus' `parser.Functions`). */
export const FUNCTIONS: Readonly<Record<string, FunctionSignature>> = {
  abs: sig(['vector']),
  ceil: sig(['vector']),
  floor: sig(['vector']),
  exp: sig(['vector']),
  sqrt: sig(['vector']),
  ln: sig(['vector']),
  log2: sig(['vector']),
  log10: sig(['vector']),
  sgn: sig(['vector']),
  round: sig(['vector', 'scalar'], 'vector', 1),
  clamp: sig(['vector', 'scalar', 'scalar']),
  clamp_min: sig(['vector', 'scalar']),
  clamp_max: sig(['vector', 'scalar']),
  time: sig([], 'scalar'),
  vector: sig(['scalar']),
  scalar: sig(['vector'], 'scalar'),
  timestamp: sig(['vector']),
  sort: sig(['vector']),
  sort_desc: sig(['vector']),
  label_replace: sig(['vector', 'string', 'string', 'string', 'string']),
  histogram_quantile: sig(['scalar', 'vector']),
  rate: sig(['matrix']),
  irate: sig(['matrix']),
  increase: sig(['matrix']),
  delta: sig(['matrix']),
  idelta: sig(['matrix']),
  deriv: sig(['matrix']),
  predict_linear: sig(['matrix', 'scalar']),
  changes: sig(['matrix']),
  resets: sig(['matrix']),
  avg_over_time: sig(['matrix']),
  min_over_time: sig(['matrix']),
  max_over_time: sig(['matrix']),
  sum_over_time: sig(['matrix']),
  count_over_time: sig(['matrix']),
  last_over_time: sig(['matrix']),
  present_over_time: sig(['matrix']),
  stddev_over_time: sig(['matrix']),
  stdvar_over_time: sig(['matrix']),
  quantile_over_time: sig(['scalar', 'matrix']),
};

const AGGREGATE_OPS = new Set<string>(['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile']);

const BINARY_OP_NODES: Record<string, BinaryOp> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Atan2: 'atan2',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};

const MATCH_OPS: Record<string, MatchOp> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

const TYPE_NAMES: Record<ValueType, string> = { scalar: 'scalar', vector: 'instant vector', matrix: 'range vector', string: 'string' };

/** Human name of a value type as Prometheus prints it ("instant vector", "range vector", …). */
export function typeName(t: ValueType): string {
  return TYPE_NAMES[t];
}

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_UNITS_MS = [31_536_000_000, 604_800_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/** Parses a Prometheus duration (`1h30m`, `5m`, `250ms`; units in descending order) into ms; null when invalid. */
export function parsePromDuration(text: string): number | null {
  if (text === '' || text === '0') return text === '0' ? 0 : null;
  const m = DURATION_RE.exec(text);
  if (m === null) return null;
  let total = 0;
  let any = false;
  for (let i = 0; i < DURATION_UNITS_MS.length; i++) {
    const part = m[i + 1];
    if (part === undefined) continue;
    any = true;
    total += Number(part) * (DURATION_UNITS_MS[i] as number);
  }
  return any ? total : null;
}

/** Parses a float the way Go's `strconv.ParseFloat` does for the forms PromQL and `le` labels use; null when invalid. */
export function parseGoFloat(text: string): number | null {
  const s = text.trim();
  if (s !== text || s === '') return null;
  const lower = s.toLowerCase();
  const sign = lower.startsWith('-') ? -1 : 1;
  const body = lower.startsWith('-') || lower.startsWith('+') ? lower.slice(1) : lower;
  if (body === 'inf' || body === 'infinity') return sign * Number.POSITIVE_INFINITY;
  if (body === 'nan') return Number.NaN;
  if (/^0x[0-9a-f]+$/.test(body)) return sign * Number.parseInt(body.slice(2), 16);
  if (!/^(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/.test(body)) return null;
  return sign * Number(body);
}

function parseNumberLiteral(text: string): number {
  const cleaned = text.replace(/[_\s]/g, '');
  const asFloat = parseGoFloat(cleaned);
  if (asFloat !== null) return asFloat;
  const neg = cleaned.startsWith('-');
  const body = cleaned.startsWith('-') || cleaned.startsWith('+') ? cleaned.slice(1) : cleaned;
  const ms = parsePromDuration(body);
  if (ms !== null) return (neg ? -ms : ms) / 1000;
  throw new VigilError('BAD_QUERY', `parse error: bad number or duration syntax: "${text}"`);
}

/** Unquotes a PromQL string literal (Go's `strconv.Unquote` for "…" and '…', raw for `…`). */
export function unquote(lit: string): string {
  const q = lit[0];
  if (lit.length < 2 || lit[lit.length - 1] !== q) throw new VigilError('BAD_QUERY', `parse error: unterminated quoted string ${lit}`);
  const body = lit.slice(1, -1);
  if (q === '`') return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
      case '"':
      case "'":
        out += e;
        break;
      case 'x':
        out += String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 3), 16));
        i += 2;
        break;
      case 'u':
        out += String.fromCodePoint(Number.parseInt(body.slice(i + 1, i + 5), 16));
        i += 4;
        break;
      case 'U':
        out += String.fromCodePoint(Number.parseInt(body.slice(i + 1, i + 9), 16));
        i += 8;
        break;
      default:
        if (e !== undefined && e >= '0' && e <= '7') {
          out += String.fromCharCode(Number.parseInt(body.slice(i, i + 3), 8));
          i += 2;
          break;
        }
        throw new VigilError('BAD_QUERY', `parse error: invalid escape sequence in ${lit}`);
    }
  }
  return out;
}

function position(query: string, offset: number): string {
  const before = query.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return `${line}:${col}`;
}

class Builder {
  constructor(private readonly q: string) {}

  text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to);
  }

  fail(n: SyntaxNode, message: string): never {
    throw new VigilError('BAD_QUERY', `${position(this.q, n.from)}: parse error: ${message}`);
  }

  unsupported(n: SyntaxNode, what: string): never {
    throw new VigilError('UNSUPPORTED_QUERY', `${what} ("${this.text(n)}") is not supported by Vigil's PromQL subset`);
  }

  children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c !== null; c = c.nextSibling) out.push(c);
    return out;
  }

  expr(n: SyntaxNode): Expr {
    switch (n.name) {
      case 'ParenExpr':
        return this.expr(this.only(n));
      case 'NumberDurationLiteral':
        return { type: 'number', value: parseNumberLiteral(this.text(n)) };
      case 'StringLiteral':
        return { type: 'string', value: unquote(this.text(n)) };
      case 'VectorSelector':
        return this.vectorSelector(n);
      case 'MatrixSelector':
        return this.matrixSelector(n);
      case 'OffsetExpr':
        return this.offsetExpr(n);
      case 'StepInvariantExpr':
        return this.atExpr(n);
      case 'UnaryExpr':
        return this.unary(n);
      case 'BinaryExpr':
        return this.binary(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      case 'FunctionCall':
        return this.call(n);
      case 'SubqueryExpr':
        return this.unsupported(n, 'a subquery');
      case 'AnchoredExpr':
        return this.unsupported(n, 'the "anchored" modifier');
      case 'SmoothedExpr':
        return this.unsupported(n, 'the "smoothed" modifier');
      default:
        return this.fail(n, `unexpected ${n.name} "${this.text(n)}"`);
    }
  }

  only(n: SyntaxNode): SyntaxNode {
    const c = n.firstChild;
    if (c === null) return this.fail(n, 'empty expression');
    return c;
  }

  vectorSelector(n: SyntaxNode): VectorSelector {
    const matchers: LabelMatcher[] = [];
    let name: string | undefined;
    for (const c of this.children(n)) {
      if (c.name === 'Identifier') name = this.text(c);
      else if (c.name === 'LabelMatchers') {
        for (const m of this.children(c)) {
          if (m.name === 'QuotedLabelName') {
            if (name !== undefined) this.fail(m, 'metric name must not be set twice');
            name = unquote(this.text(this.only(m)));
            continue;
          }
          const parts = this.children(m);
          const [ln, op, val] = parts;
          if (ln === undefined || op === undefined || val === undefined) return this.fail(m, 'bad label matcher');
          const labelName = ln.name === 'QuotedLabelName' ? unquote(this.text(this.only(ln))) : this.text(ln);
          const opNode = this.only(op);
          const matchOp = MATCH_OPS[opNode.name];
          if (matchOp === undefined) return this.fail(op, `unexpected matcher operator "${this.text(op)}"`);
          const value = unquote(this.text(val));
          if (matchOp === '=~' || matchOp === '!~') {
            try {
              new RegExp(`^(?:${value})$`);
            } catch (e) {
              this.fail(val, `error parsing regexp: ${(e as Error).message}`);
            }
          }
          matchers.push({ name: labelName, op: matchOp, value });
        }
      }
    }
    if (name !== undefined) {
      if (matchers.some((m) => m.name === '__name__')) this.fail(n, 'metric name must not be set twice');
      matchers.unshift({ name: '__name__', op: '=', value: name });
    }
    if (matchers.length === 0 || matchers.every((m) => anchoredMatchesEmpty(m))) {
      this.fail(n, 'vector selector must contain at least one non-empty matcher');
    }
    return { type: 'vector', matchers, offsetMs: 0, at: undefined };
  }

  matrixSelector(n: SyntaxNode): MatrixSelector {
    const [inner, dur] = this.children(n);
    if (inner === undefined || dur === undefined) return this.fail(n, 'bad range selector');
    const sel = this.expr(inner);
    if (sel.type !== 'vector') return this.fail(n, 'ranges only allowed for vector selectors');
    if (sel.offsetMs !== 0 || sel.at !== undefined) {
      return this.fail(n, 'no offset or @ modifiers allowed before range');
    }
    const rangeMs = this.duration(dur);
    if (rangeMs <= 0) this.fail(dur, 'range must be greater than 0');
    return { type: 'matrix', selector: sel, rangeMs };
  }

  duration(n: SyntaxNode): number {
    switch (n.name) {
      case 'DurationExpr':
      case 'OffsetDurationExpr': {
        const cs = this.children(n);
        if (cs.length === 1) return this.duration(cs[0] as SyntaxNode);
        if (cs.length === 2 && cs[0]?.name === 'UnaryOp') {
          const v = this.duration(cs[1] as SyntaxNode);
          return this.text(cs[0]) === '-' ? -v : v;
        }
        if (cs.length === 3) {
          const a = this.duration(cs[0] as SyntaxNode) / 1000;
          const b = this.duration(cs[2] as SyntaxNode) / 1000;
          const op = (cs[1] as SyntaxNode).name;
          const r =
            op === 'Add' ? a + b : op === 'Sub' ? a - b : op === 'Mul' ? a * b : op === 'Div' ? a / b : op === 'Mod' ? a % b : a ** b;
          return Math.round(r * 1000);
        }
        return this.unsupported(n, 'this duration expression');
      }
      case 'NumberDurationLiteralInDurationContext':
      case 'NumberDurationLiteral': {
        const v = parseNumberLiteral(this.text(n));
        if (!Number.isFinite(v)) this.fail(n, `invalid duration "${this.text(n)}"`);
        return Math.round(v * 1000);
      }
      default:
        return this.unsupported(n, 'this duration expression');
    }
  }

  /** Applies `offset`/`@` to the selector under `n`, which must be a vector or matrix selector. */
  modified(n: SyntaxNode, inner: SyntaxNode, what: string, apply: (s: VectorSelector) => void): Expr {
    // The grammar lets `a - b offset 1m` wrap the whole binary expression; PromQL binds the modifier to `b`.
    if (inner.name === 'BinaryExpr') return this.binary(inner, (rhs) => this.modified(n, rhs, what, apply));
    if (inner.name === 'UnaryExpr') return this.unary(inner, (operand) => this.modified(n, operand, what, apply));
    const e = this.expr(inner);
    const sel = e.type === 'vector' ? e : e.type === 'matrix' ? e.selector : undefined;
    if (sel === undefined) {
      return this.fail(n, `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`);
    }
    apply(sel);
    return e;
  }

  offsetExpr(n: SyntaxNode): Expr {
    const cs = this.children(n);
    const inner = cs[0];
    const dur = cs[cs.length - 1];
    if (inner === undefined || dur === undefined) return this.fail(n, 'bad offset');
    const ms = this.duration(dur);
    return this.modified(n, inner, 'offset', (s) => {
      if (s.offsetMs !== 0) this.fail(n, 'offset may not be set multiple times');
      s.offsetMs = ms;
    });
  }

  atExpr(n: SyntaxNode): Expr {
    const cs = this.children(n);
    const inner = cs[0];
    const target = cs[cs.length - 1];
    if (inner === undefined || target === undefined) return this.fail(n, 'bad @ modifier');
    let at: AtModifier;
    if (target.name === 'AtModifierPreprocessors') at = this.text(target).toLowerCase() === 'start' ? 'start' : 'end';
    else {
      const secs = parseNumberLiteral(this.text(target));
      if (!Number.isFinite(secs)) this.fail(target, 'timestamp out of bounds for @ modifier');
      at = Math.round(secs * 1000);
    }
    return this.modified(n, inner, '@', (s) => {
      if (s.at !== undefined) this.fail(n, '@ <timestamp> may not be set multiple times');
      s.at = at;
    });
  }

  unary(n: SyntaxNode, build: (operand: SyntaxNode) => Expr = (o) => this.expr(o)): Expr {
    const [opNode, inner] = this.children(n);
    if (opNode === undefined || inner === undefined) return this.fail(n, 'bad unary expression');
    const expr = build(inner);
    const t = typeOf(expr);
    if (t !== 'scalar' && t !== 'vector') this.fail(n, 'unary expression only allowed on expressions of type scalar or instant vector');
    const op = this.text(opNode) === '-' ? '-' : '+';
    if (expr.type === 'number') return { type: 'number', value: op === '-' ? -expr.value : expr.value };
    return { type: 'unary', op, expr };
  }

  binary(n: SyntaxNode, buildRhs: (rhs: SyntaxNode) => Expr = (r) => this.expr(r)): Expr {
    const cs = this.children(n);
    const lhsNode = cs[0];
    const rhsNode = cs[cs.length - 1];
    const opNode = cs[1];
    if (lhsNode === undefined || rhsNode === undefined || opNode === undefined) return this.fail(n, 'bad binary expression');
    const op = BINARY_OP_NODES[opNode.name];
    if (op === undefined) return this.unsupported(opNode, `the operator "${this.text(opNode)}"`);
    let bool = false;
    let matching: VectorMatching | undefined;
    for (const c of cs.slice(2, -1)) {
      if (c.name === 'BoolModifier') bool = true;
      else if (c.name === 'MatchingModifierClause') matching = this.matchingClause(c);
      else if (c.name === 'FillModifier') this.unsupported(c, 'the fill modifier');
      else this.fail(c, `unexpected "${this.text(c)}"`);
    }
    const lhs = this.expr(lhsNode);
    const rhs = buildRhs(rhsNode);
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    if ((lt !== 'scalar' && lt !== 'vector') || (rt !== 'scalar' && rt !== 'vector')) {
      this.fail(n, 'binary expression must contain only scalar and instant vector types');
    }
    if (bool && !isComparison(op)) this.fail(n, 'bool modifier can only be used on comparison operators');
    if (isComparison(op) && !bool && lt === 'scalar' && rt === 'scalar') this.fail(n, 'comparisons between scalars must use BOOL modifier');
    if (isSetOp(op) && (lt === 'scalar' || rt === 'scalar')) this.fail(n, `set operator "${op}" not allowed in binary scalar expression`);
    if (matching !== undefined && (lt !== 'vector' || rt !== 'vector'))
      this.fail(n, 'vector matching only allowed between instant vectors');
    if (lt === 'vector' && rt === 'vector') {
      matching ??= { card: 'one-to-one', on: false, labels: [], include: [] };
      if (isSetOp(op)) {
        if (matching.card === 'many-to-one' || matching.card === 'one-to-many') this.fail(n, `no grouping allowed for "${op}" operation`);
        matching.card = 'many-to-many';
      }
      for (const l of matching.include) {
        if (matching.on && matching.labels.includes(l)) this.fail(n, `label "${l}" must not occur in ON and GROUP clause at once`);
      }
    }
    return { type: 'binary', op, lhs, rhs, bool, matching };
  }

  matchingClause(n: SyntaxNode): VectorMatching {
    const m: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
    let seenGroup = false;
    for (const c of this.children(n)) {
      if (c.name === 'On') m.on = true;
      else if (c.name === 'Ignoring') m.on = false;
      else if (c.name === 'GroupLeft') {
        m.card = 'many-to-one';
        seenGroup = true;
      } else if (c.name === 'GroupRight') {
        m.card = 'one-to-many';
        seenGroup = true;
      } else if (c.name === 'GroupingLabels') {
        if (seenGroup) m.include = this.groupingLabels(c);
        else m.labels = this.groupingLabels(c);
      }
    }
    return m;
  }

  groupingLabels(n: SyntaxNode): string[] {
    return this.children(n).map((c) => {
      const name = c.name === 'QuotedLabelName' ? unquote(this.text(this.only(c))) : this.text(c);
      if (!isValidLabelName(name) && name !== '__name__') this.fail(c, `invalid label name "${name}"`);
      return name;
    });
  }

  aggregate(n: SyntaxNode): Expr {
    let op: string | undefined;
    let grouping: string[] = [];
    let without = false;
    let body: SyntaxNode | undefined;
    for (const c of this.children(n)) {
      if (c.name === 'AggregateOp') op = this.text(c).toLowerCase();
      else if (c.name === 'AggregateModifier') {
        const [kind, labels] = this.children(c);
        without = kind?.name === 'Without';
        grouping = labels === undefined ? [] : this.groupingLabels(labels);
      } else if (c.name === 'FunctionCallBody') body = c;
    }
    if (op === undefined || body === undefined) return this.fail(n, 'bad aggregation');
    if (!AGGREGATE_OPS.has(op)) return this.unsupported(n, `the aggregation "${op}"`);
    const args = this.children(body).map((a) => this.expr(a));
    const needsParam = op === 'topk' || op === 'bottomk' || op === 'quantile';
    const want = needsParam ? 2 : 1;
    if (args.length !== want)
      this.fail(n, `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
    const expr = args[args.length - 1] as Expr;
    const param = needsParam ? args[0] : undefined;
    const et = typeOf(expr);
    if (et !== 'vector') this.fail(n, `expected type instant vector in aggregation expression, got ${typeName(et)}`);
    if (param !== undefined && typeOf(param) !== 'scalar') {
      this.fail(n, `expected type scalar in aggregation parameter, got ${typeName(typeOf(param))}`);
    }
    return { type: 'aggregate', op: op as AggregateOp, param, expr, grouping, without };
  }

  call(n: SyntaxNode): Expr {
    const [ident, body] = this.children(n);
    if (ident === undefined || body === undefined) return this.fail(n, 'bad function call');
    const name = this.text(ident);
    const fn = FUNCTIONS[name];
    if (fn === undefined) return this.unsupported(n, `the function "${name}"`);
    const args = this.children(body).map((a) => this.expr(a));
    if (args.length < fn.minArgs || args.length > fn.args.length) {
      const exact = fn.minArgs === fn.args.length;
      const bound = args.length < fn.minArgs ? fn.minArgs : fn.args.length;
      const qualifier = exact ? '' : args.length < fn.minArgs ? 'at least ' : 'at most ';
      this.fail(n, `expected ${qualifier}${bound} argument(s) in call to "${name}", got ${args.length}`);
    }
    args.forEach((a, i) => {
      const want = fn.args[i] as ValueType;
      const got = typeOf(a);
      if (got !== want) this.fail(n, `expected type ${typeName(want)} in call to function "${name}", got ${typeName(got)}`);
    });
    if (name === 'label_replace') {
      const dst = (args[1] as { value: string }).value;
      if (!isValidLabelName(dst)) this.fail(n, `invalid destination label name in label_replace(): ${dst}`);
      const re = (args[4] as { value: string }).value;
      try {
        new RegExp(`^(?:${goRegexToJs(re)})$`);
      } catch (e) {
        this.fail(n, `invalid regular expression in label_replace(): ${(e as Error).message}`);
      }
    }
    return { type: 'call', func: name, args };
  }
}

function anchoredMatchesEmpty(m: LabelMatcher): boolean {
  switch (m.op) {
    case '=':
      return m.value === '';
    case '!=':
      return m.value !== '';
    case '=~':
      return new RegExp(`^(?:${m.value})$`, 's').test('');
    case '!~':
      return !new RegExp(`^(?:${m.value})$`, 's').test('');
  }
}

/** Rewrites the RE2 named-group syntax `(?P<name>…)` to the JavaScript form `(?<name>…)`. */
export function goRegexToJs(re: string): string {
  return re.replace(/\(\?P</g, '(?<');
}

/** The value type an expression yields. */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vector':
      return 'vector';
    case 'matrix':
      return 'matrix';
    case 'unary':
      return typeOf(e.expr);
    case 'binary':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'aggregate':
      return 'vector';
    case 'call':
      return FUNCTIONS[e.func]?.returns ?? 'vector';
  }
}

/**
 * Parses a PromQL query with the Prometheus project's own grammar into Vigil's expression tree.
 * Throws VigilError BAD_QUERY for syntax and type errors and UNSUPPORTED_QUERY for constructs outside the subset.
 */
export function parseQuery(query: string): Expr {
  if (query.trim() === '') throw new VigilError('BAD_QUERY', '1:1: parse error: no expression found in input');
  const tree = parser.parse(query);
  const b = new Builder(query);
  let firstError: SyntaxNode | undefined;
  tree.iterate({
    enter(ref) {
      if (firstError !== undefined) return false;
      if (ref.type.isError) firstError = ref.node;
      return undefined;
    },
  });
  if (firstError !== undefined) {
    const at = firstError.from;
    const rest = query.slice(at).trim();
    const ident = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*$/.exec(query.slice(0, at));
    if (ident !== null && rest.startsWith('(')) {
      throw new VigilError('UNSUPPORTED_QUERY', `the function "${ident[1]}" is not supported by Vigil's PromQL subset`);
    }
    const token = rest === '' ? 'end of input' : `"${rest.slice(0, 20)}"`;
    throw new VigilError('BAD_QUERY', `${position(query, at)}: parse error: unexpected ${token}`);
  }
  const top = tree.topNode.firstChild;
  if (top === null) throw new VigilError('BAD_QUERY', '1:1: parse error: no expression found in input');
  if (top.nextSibling !== null) b.fail(top.nextSibling, 'unexpected trailing input');
  return b.expr(top);
}
