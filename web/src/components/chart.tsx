import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatValue, type Unit } from '../lib/format.js';
import { bridgeGaps, MAX_BRIDGED_GAP_MS } from '../lib/step-series.js';
import { COLORS, cssVar, PALETTE, useTheme } from '../lib/theme.js';

/** One line on a chart. */
export interface LineSeries {
  label: string;
  t: number[];
  v: number[];
  color?: string;
}

/** An anomaly shown as a marker on the chart's top edge (the anomaly ribbon). */
export interface Marker {
  t: number;
  severity: string;
  text: string;
}

/** What a time-series chart draws: lines, an optional expected band and forecast, anomaly markers. */
export interface TimeChartProps {
  title: string;
  unit: Unit;
  lines: LineSeries[];
  /** Expected band from detection, shaded behind the lines. */
  band?: { t: number[]; lower: number[]; upper: number[] } | undefined;
  /** Forecast past now: point line and an interval. */
  forecast?: { t: number[]; point: number[]; lower: number[]; upper: number[] } | undefined;
  markers?: Marker[] | undefined;
  /** Visible time range (ms). */
  start: number;
  end: number;
  height?: number;
  /** Called with the dragged selection (ms); the chart does not zoom itself so every chart can follow. */
  onZoom?: ((start: number, end: number) => void) | undefined;
  onReset?: (() => void) | undefined;
  /** Shows a dashed "now" line (when the range reaches the future). */
  now?: number | undefined;
}

/**
 * Merges several (t, v) columns onto one ascending time axis. A column's non-finite values are gaps (`null`,
 * bridged when no longer than MAX_BRIDGED_GAP_MS); where a column has no sample at some other column's time the
 * value is `undefined`, which uPlot draws across.
 */
export function mergeColumns(
  cols: readonly { t: readonly number[]; v: readonly number[] }[],
): [number[], ...(number | null | undefined)[][]] {
  let xs: number[];
  const first = cols[0];
  const same =
    first !== undefined &&
    cols.every((c) => c.t.length === first.t.length && c.t[0] === first.t[0] && c.t[c.t.length - 1] === first.t[first.t.length - 1]);
  if (same) xs = first.t.slice();
  else {
    const set = new Set<number>();
    for (const c of cols) for (const t of c.t) set.add(t);
    xs = [...set].sort((a, b) => a - b);
  }
  const index = same ? null : new Map(xs.map((t, i) => [t, i]));
  const out: (number | null | undefined)[][] = cols.map((c) => {
    const arr = new Array<number | null | undefined>(xs.length).fill(undefined);
    for (let i = 0; i < c.t.length; i++) {
      const j = index ? index.get(c.t[i]!)! : i;
      const v = c.v[i]!;
      arr[j] = Number.isFinite(v) ? v : null;
    }
    bridgeGaps(xs, arr, MAX_BRIDGED_GAP_MS);
    return arr;
  });
  return [xs, ...out];
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function timeTick(t: number, spanMs: number): string {
  const d = new Date(t);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (spanMs <= 36 * 3_600_000) return hm;
  const md = `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return spanMs <= 8 * 86_400_000 ? `${md} ${hm}` : md;
}

/** A uPlot time-series chart with Vigil's anomaly ribbon, expected band, forecast and drag-to-zoom. */
export function TimeChart(props: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const theme = useTheme();
  const cb = useRef({ onZoom: props.onZoom, onReset: props.onReset });
  cb.current = { onZoom: props.onZoom, onReset: props.onReset };

  const hasData = props.lines.some((l) => l.v.some((v) => Number.isFinite(v)));

  // biome-ignore lint/correctness/useExhaustiveDependencies: `theme` is read through CSS variables; a change must redraw
  useEffect(() => {
    const el = box.current;
    if (!el || !hasData) return;
    const text = cssVar('--muted') || '#8a94a6';
    const grid = cssVar('--grid') || 'rgba(128,128,128,0.15)';
    const cols: { t: readonly number[]; v: readonly number[] }[] = props.lines.map((l) => ({ t: l.t, v: l.v }));
    const series: uPlot.Series[] = [{}];
    props.lines.forEach((l, i) => {
      series.push({
        label: l.label,
        stroke: l.color ?? PALETTE[i % PALETTE.length],
        width: 1.5,
        points: { show: false },
        value: (_u, v) => formatValue(v, props.unit),
      });
    });
    const bands: uPlot.Band[] = [];
    if (props.band && props.band.t.length > 0) {
      cols.push({ t: props.band.t, v: props.band.upper }, { t: props.band.t, v: props.band.lower });
      const iu = series.length;
      series.push({
        label: 'expected upper',
        stroke: 'rgba(86,180,233,0.35)',
        width: 1,
        points: { show: false },
        value: (_u, v) => formatValue(v, props.unit),
      });
      series.push({
        label: 'expected lower',
        stroke: 'rgba(86,180,233,0.35)',
        width: 1,
        points: { show: false },
        value: (_u, v) => formatValue(v, props.unit),
      });
      bands.push({ series: [iu, iu + 1], fill: COLORS.band });
    }
    if (props.forecast && props.forecast.t.length > 0) {
      const f = props.forecast;
      cols.push({ t: f.t, v: f.point }, { t: f.t, v: f.upper }, { t: f.t, v: f.lower });
      const ip = series.length;
      series.push({
        label: 'forecast',
        stroke: COLORS.forecast,
        width: 1.5,
        dash: [6, 4],
        spanGaps: true,
        points: { show: false },
        value: (_u, v) => formatValue(v, props.unit),
      });
      series.push({
        label: 'forecast upper',
        stroke: 'transparent',
        spanGaps: true,
        points: { show: false },
        value: (_u, v) => formatValue(v, props.unit),
      });
      series.push({
        label: 'forecast lower',
        stroke: 'transparent',
        spanGaps: true,
        points: { show: false },
        value: (_u, v) => formatValue(v, props.unit),
      });
      bands.push({ series: [ip + 1, ip + 2], fill: COLORS.forecastBand });
    }
    const data = mergeColumns(cols) as uPlot.AlignedData;
    const yTicks: string[] = [];
    const xTicks: string[] = [];
    const span = props.end - props.start;
    const markers = props.markers ?? [];
    const now = props.now;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: props.height ?? 180,
      ms: 1,
      scales: { x: { time: true, min: props.start, max: props.end } },
      series,
      bands,
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 5 } },
      axes: [
        {
          stroke: text,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          values: (_u, splits) => {
            const out = splits.map((s) => timeTick(s, span));
            xTicks.splice(0, xTicks.length, ...out);
            return out;
          },
        },
        {
          stroke: text,
          // Wide enough for the longest tick label ("93.1 GiB", "1.2 MiB/s") at 11px.
          size: (_u, values) => (values && values.length > 0 ? Math.max(...values.map((v) => String(v).length)) * 7.5 + 26 : 40),
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          values: (_u, splits) => {
            const out = splits.map((s) => formatValue(s, props.unit));
            yTicks.splice(0, yTicks.length, ...out);
            return out;
          },
        },
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 4) return;
            const a = u.posToVal(u.select.left, 'x');
            const b = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            cb.current.onZoom?.(Math.round(a), Math.round(b));
          },
        ],
        draw: [
          (u) => {
            const ctx = u.ctx;
            const { left, top, width, height } = u.bbox;
            ctx.save();
            if (now !== undefined && now > props.start && now < props.end) {
              const x = u.valToPos(now, 'x', true);
              ctx.strokeStyle = text;
              ctx.setLineDash([3, 3]);
              ctx.beginPath();
              ctx.moveTo(x, top);
              ctx.lineTo(x, top + height);
              ctx.stroke();
              ctx.setLineDash([]);
            }
            const r = 5 * devicePixelRatio;
            for (const m of markers) {
              if (m.t < props.start || m.t > props.end) continue;
              const x = u.valToPos(m.t, 'x', true);
              if (x < left || x > left + width) continue;
              const color = m.severity === 'critical' ? COLORS.critical : m.severity === 'warning' ? COLORS.warning : COLORS.info;
              ctx.globalAlpha = 0.25;
              ctx.fillStyle = color;
              ctx.fillRect(x - devicePixelRatio, top, 2 * devicePixelRatio, height);
              ctx.globalAlpha = 1;
              ctx.beginPath();
              // Downward triangle for critical, diamond otherwise: shape as well as colour.
              if (m.severity === 'critical') {
                ctx.moveTo(x - r, top);
                ctx.lineTo(x + r, top);
                ctx.lineTo(x, top + 1.6 * r);
              } else {
                ctx.moveTo(x, top);
                ctx.lineTo(x + r, top + r);
                ctx.lineTo(x, top + 2 * r);
                ctx.lineTo(x - r, top + r);
              }
              ctx.closePath();
              ctx.fill();
            }
            ctx.restore();
            el.dataset.drawn = String(Number(el.dataset.drawn ?? 0) + 1);
            el.dataset.points = String(data[0].length);
            el.dataset.yTicks = yTicks.join('|');
            el.dataset.xTicks = xTicks.join('|');
            el.dataset.markers = String(markers.length);
          },
        ],
      },
    };
    plot.current?.destroy();
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const over = u.over;
    const onDbl = () => cb.current.onReset?.();
    over.addEventListener('dblclick', onDbl);
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - u.width) > 2) u.setSize({ width: w, height: u.height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      over.removeEventListener('dblclick', onDbl);
      u.destroy();
      if (plot.current === u) plot.current = null;
    };
  }, [props.lines, props.band, props.forecast, props.markers, props.start, props.end, props.unit, props.height, props.now, theme, hasData]);

  return (
    <section className="chart" aria-label={props.title}>
      <h3>{props.title}</h3>
      {hasData ? <div ref={box} className="chart-box" data-chart={props.title} /> : <p className="empty small">No data in this range.</p>}
    </section>
  );
}
