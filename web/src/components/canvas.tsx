import { type MouseEvent, useEffect, useRef } from 'react';
import { COLORS, cssVar, useTheme, viridis } from '../lib/theme.js';

type Draw = (ctx: CanvasRenderingContext2D, w: number, h: number) => void;

/** Paints a canvas at device resolution; a fixed `width` avoids reading layout (hundreds of sparklines in a table). */
function useCanvas(draw: Draw, height: number, deps: readonly unknown[], observe = true, fixedWidth?: number) {
  const ref = useRef<HTMLCanvasElement>(null);
  const theme = useTheme();
  // biome-ignore lint/correctness/useExhaustiveDependencies: callers list what their drawing depends on
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const paint = () => {
      const w = fixedWidth ?? c.clientWidth;
      const dpr = devicePixelRatio || 1;
      c.width = Math.round(w * dpr);
      c.height = Math.round(height * dpr);
      const ctx = c.getContext('2d');
      if (!ctx) return;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, w, height);
      draw(ctx, w, height);
      c.dataset.drawn = '1';
    };
    paint();
    if (!observe) return;
    const ro = new ResizeObserver(() => {
      if (Math.round(c.clientWidth * (devicePixelRatio || 1)) !== c.width) paint();
    });
    ro.observe(c);
    return () => ro.disconnect();
  }, [...deps, height, theme]);
  return ref;
}

/** A tiny bar sparkline of counts (anomalies per bucket); an empty row draws a faint baseline. */
export function Sparkline({
  values,
  width = 120,
  height = 22,
  label,
}: {
  values: readonly number[];
  width?: number;
  height?: number;
  label: string;
}) {
  const ref = useCanvas(
    (ctx, w, h) => {
      const max = Math.max(1, ...values);
      const bw = w / Math.max(1, values.length);
      ctx.fillStyle = cssVar('--grid') || '#333';
      ctx.fillRect(0, h - 1, w, 1);
      values.forEach((v, i) => {
        if (v <= 0) return;
        const bh = Math.max(2, (v / max) * (h - 2));
        ctx.fillStyle = v >= max * 0.66 ? COLORS.critical : COLORS.warning;
        ctx.fillRect(i * bw, h - bh, Math.max(1, bw - 1), bh);
      });
    },
    height,
    [values],
    false,
    width,
  );
  const total = values.reduce((a, b) => a + b, 0);
  return <canvas ref={ref} className="sparkline" style={{ width, height }} role="img" aria-label={`${label}: ${total} anomalies`} />;
}

/** Rows × time-buckets heatmap of counts on the viridis scale; clicking a row calls `onRow`. */
export function Heatmap(props: {
  rows: readonly { name: string; values: readonly number[] }[];
  start: number;
  end: number;
  onRow?: (name: string) => void;
}) {
  const { rows } = props;
  const rowH = rows.length > 0 ? Math.max(3, Math.min(22, Math.floor(420 / rows.length))) : 14;
  const labelW = rowH >= 10 ? 110 : 0;
  const height = Math.max(40, rows.length * rowH + 18);
  const max = Math.max(1, ...rows.flatMap((r) => r.values));
  const ref = useCanvas(
    (ctx, w) => {
      const text = cssVar('--muted') || '#888';
      const cols = rows[0]?.values.length ?? 0;
      const cw = (w - labelW) / Math.max(1, cols);
      ctx.font = '11px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      rows.forEach((r, y) => {
        if (labelW > 0) {
          ctx.fillStyle = text;
          ctx.fillText(r.name.length > 16 ? `${r.name.slice(0, 15)}…` : r.name, 2, y * rowH + rowH / 2);
        }
        r.values.forEach((v, x) => {
          ctx.fillStyle = v > 0 ? viridis(0.15 + (0.85 * v) / max) : cssVar('--cell') || '#1a2130';
          ctx.fillRect(labelW + x * cw, y * rowH, Math.max(1, cw - 1), Math.max(1, rowH - 1));
        });
      });
      ctx.fillStyle = text;
      ctx.textBaseline = 'top';
      const span = props.end - props.start;
      for (let k = 0; k <= 4; k++) {
        const t = props.start + (span * k) / 4;
        const d = new Date(t);
        const s =
          span > 2 * 86_400_000
            ? `${d.getMonth() + 1}/${d.getDate()}`
            : `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
        const x = labelW + ((w - labelW) * k) / 4;
        ctx.textAlign = k === 0 ? 'left' : k === 4 ? 'right' : 'center';
        ctx.fillText(s, x, rows.length * rowH + 4);
      }
    },
    height,
    [rows, props.start, props.end],
  );
  const onClick = (e: MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const r = rows[Math.floor((e.clientY - rect.top) / rowH)];
    if (r) props.onRow?.(r.name);
  };
  return (
    <canvas
      ref={ref}
      className="heatmap"
      style={{ width: '100%', height, cursor: props.onRow ? 'pointer' : 'default' }}
      onClick={onClick}
      role="img"
      aria-label={`Anomalies per host over time, ${rows.length} hosts, at most ${max} per bucket`}
    />
  );
}

/** One host in the scatter. */
export interface ScatterPoint {
  name: string;
  x: number | null;
  y: number | null;
  state: 'critical' | 'warning' | 'info' | 'normal' | 'down';
}

const STATE_COLOR: Record<ScatterPoint['state'], string> = {
  critical: COLORS.critical,
  warning: COLORS.warning,
  info: COLORS.info,
  normal: COLORS.up,
  down: COLORS.normal,
};

/** CPU % (x) against memory % (y), one mark per host, coloured and shaped by anomaly state. */
export function Scatter(props: { points: readonly ScatterPoint[]; height?: number; onPoint?: (name: string) => void }) {
  const height = props.height ?? 260;
  const m = { l: 40, r: 20, t: 10, b: 28 };
  const ref = useCanvas(
    (ctx, w, h) => {
      const text = cssVar('--muted') || '#888';
      const grid = cssVar('--grid') || '#333';
      const pw = w - m.l - m.r;
      const ph = h - m.t - m.b;
      ctx.font = '11px system-ui, sans-serif';
      ctx.strokeStyle = grid;
      ctx.fillStyle = text;
      for (let k = 0; k <= 4; k++) {
        const gx = m.l + (pw * k) / 4;
        const gy = m.t + ph - (ph * k) / 4;
        ctx.beginPath();
        ctx.moveTo(gx, m.t);
        ctx.lineTo(gx, m.t + ph);
        ctx.moveTo(m.l, gy);
        ctx.lineTo(m.l + pw, gy);
        ctx.stroke();
        ctx.textAlign = 'center';
        ctx.textBaseline = 'top';
        ctx.fillText(`${k * 25}%`, gx, m.t + ph + 4);
        ctx.textAlign = 'right';
        ctx.textBaseline = 'middle';
        ctx.fillText(`${k * 25}%`, m.l - 4, gy);
      }
      ctx.textAlign = 'center';
      ctx.fillText('CPU', m.l + pw / 2, h - 6);
      // Normal hosts first so anomalous ones are drawn on top.
      const order = { normal: 0, down: 0, info: 1, warning: 2, critical: 3 };
      const pts = [...props.points].sort((a, b) => order[a.state] - order[b.state]);
      for (const p of pts) {
        if (p.x === null || p.y === null) continue;
        const x = m.l + (Math.max(0, Math.min(100, p.x)) / 100) * pw;
        const y = m.t + ph - (Math.max(0, Math.min(100, p.y)) / 100) * ph;
        ctx.fillStyle = STATE_COLOR[p.state];
        ctx.strokeStyle = STATE_COLOR[p.state];
        ctx.beginPath();
        if (p.state === 'critical' || p.state === 'warning') {
          ctx.moveTo(x, y - 5);
          ctx.lineTo(x + 5, y + 4);
          ctx.lineTo(x - 5, y + 4);
          ctx.closePath();
          ctx.fill();
        } else if (p.state === 'down') {
          ctx.arc(x, y, 3.5, 0, Math.PI * 2);
          ctx.stroke();
        } else {
          ctx.arc(x, y, 3, 0, Math.PI * 2);
          ctx.globalAlpha = 0.75;
          ctx.fill();
          ctx.globalAlpha = 1;
        }
      }
    },
    height,
    [props.points],
  );
  const onClick = (e: MouseEvent<HTMLCanvasElement>) => {
    if (!props.onPoint) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const pw = rect.width - m.l - m.r;
    const ph = height - m.t - m.b;
    let best: ScatterPoint | undefined;
    let bd = 64;
    for (const p of props.points) {
      if (p.x === null || p.y === null) continue;
      const dx = m.l + (p.x / 100) * pw - (e.clientX - rect.left);
      const dy = m.t + ph - (p.y / 100) * ph - (e.clientY - rect.top);
      if (dx * dx + dy * dy < bd) {
        bd = dx * dx + dy * dy;
        best = p;
      }
    }
    if (best) props.onPoint(best.name);
  };
  return (
    <canvas
      ref={ref}
      className="scatter"
      style={{ width: '100%', height, cursor: props.onPoint ? 'pointer' : 'default' }}
      onClick={onClick}
      role="img"
      aria-label={`CPU against memory for ${props.points.length} hosts`}
    />
  );
}
