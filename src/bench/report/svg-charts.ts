// Charts as inline SVG strings: no library, no network, nothing the report's Content-Security-Policy would block.
// Every chart takes any data (none, one point, all equal, NaN) and returns finite SVG: a degenerate axis range is
// widened, non-finite values are drawn as "–" with no mark, and loops run over counts, never over a float step.

import { estimateTextWidth, fitText } from "./text-width.ts";

/** Escape text for HTML and SVG. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Colour-blind-safe palette (Okabe–Ito), one colour per series. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

/** The palette colour of series `i`. */
export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

function fmt(n: number): string {
  return Number.isFinite(n) ? n.toFixed(1) : "–";
}

/** A coordinate for an SVG attribute: rounded to 0.01 px, and 0 rather than NaN should one ever slip through. */
function px(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 100) / 100) : "0";
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/**
 * An axis range that is never empty or inverted: `hi > lo`, both finite. An empty range (every score 100) used to
 * make a zero tick step and an endless loop; it becomes the `minSpan` below `hi` (or above `lo` when `hi` is the
 * floor of the scale).
 */
export function axisRange(lo: number, hi: number, minSpan = 10): { lo: number; hi: number } {
  const l = Number.isFinite(lo) ? lo : 0;
  const h = Number.isFinite(hi) ? hi : l + minSpan;
  if (h > l) return { lo: l, hi: h };
  return h - minSpan >= 0 || h <= 0 ? { lo: h - minSpan, hi: h } : { lo: 0, hi: Math.max(h, minSpan) };
}

/** `count + 1` evenly spaced tick values from `lo` to `hi` (a fixed number, whatever the range). */
export function axisTicks(lo: number, hi: number, count: number): number[] {
  const { lo: l, hi: h } = axisRange(lo, hi);
  return Array.from({ length: count + 1 }, (_, i) => l + ((h - l) * i) / count);
}

/** A legend laid out left to right, wrapping to a new line when the next entry would pass `maxX`. */
function legend(names: readonly string[], left: number, maxX: number, fontSize = 11): { svg: string; height: number } {
  const parts: string[] = [];
  const room = Math.max(40, maxX - left - 14);
  let x = left;
  let line = 0;
  names.forEach((name, i) => {
    const text = fitText(name, room, fontSize);
    const w = 14 + estimateTextWidth(text, fontSize) + 18;
    if (x > left && x + w > maxX) {
      x = left;
      line++;
    }
    const y = 12 + line * 16;
    parts.push(
      `<g><title>${escapeHtml(name)}</title><rect x="${px(x)}" y="${y - 9}" width="10" height="10" fill="${seriesColor(i)}"/><text x="${px(x + 14)}" y="${y}" font-size="${fontSize}">${escapeHtml(text)}</text></g>`,
    );
    x += w;
  });
  return { svg: parts.join(""), height: names.length ? (line + 1) * 16 : 0 };
}

/** The label column width for these labels: wide enough for the longest, within [min, max]. */
function labelColumn(labels: readonly string[], fontSize: number, min: number, max: number): number {
  return clamp(Math.ceil(Math.max(0, ...labels.map((l) => estimateTextWidth(l, fontSize)))) + 16, min, max);
}

/** One row of an interval (forest) plot. */
export interface IntervalRow {
  label: string;
  estimate: number;
  lower: number;
  upper: number;
  color?: string;
}

/** Horizontal interval plot: a dot at the estimate and a bar over the interval, on a shared axis ending at 100. */
export function intervalChart(
  rows: readonly IntervalRow[],
  options: { width?: number; min?: number; max?: number; title?: string } = {},
): string {
  const fontSize = 12;
  const annotationW = Math.ceil(estimateTextWidth("100.0 [100.0, 100.0]", 11)) + 16;
  const given = Number.isFinite(options.width) && options.width! >= 300 ? options.width : undefined;
  // Without a width the chart grows with its labels (up to 360 px of them) and keeps 480 px for the axis.
  const labelW = labelColumn(
    rows.map((r) => r.label),
    fontSize,
    80,
    given ? Math.max(80, given - annotationW - 160) : 360,
  );
  const width = given ?? labelW + 480 + annotationW;
  const plotW = width - labelW - annotationW;
  const rowH = 26;
  const top = 24;
  const height = top + rows.length * rowH + 28;
  const values = rows.flatMap((r) => [r.lower, r.estimate, r.upper]).filter(Number.isFinite);
  const { lo, hi } = axisRange(
    options.min ?? Math.max(0, Math.floor(Math.min(...values, 100) / 10) * 10),
    options.max ?? 100,
  );
  const x = (v: number) => labelW + ((clamp(v, lo, hi) - lo) / (hi - lo)) * plotW;
  const ticks = axisTicks(lo, hi, 5).map(
    (t) =>
      `<line x1="${px(x(t))}" y1="${top - 6}" x2="${px(x(t))}" y2="${height - 24}" stroke="#ddd"/><text x="${px(x(t))}" y="${height - 8}" font-size="11" text-anchor="middle" fill="#555">${fmt(t)}</text>`,
  );
  const body = rows
    .map((r, i) => {
      const y = top + i * rowH + rowH / 2;
      const c = r.color ?? seriesColor(i);
      const label = fitText(r.label, labelW - 16, fontSize);
      const bar =
        Number.isFinite(r.lower) && Number.isFinite(r.upper)
          ? `<line x1="${px(x(r.lower))}" y1="${y}" x2="${px(x(r.upper))}" y2="${y}" stroke="${c}" stroke-width="3"/>`
          : "";
      const dot = Number.isFinite(r.estimate) ? `<circle cx="${px(x(r.estimate))}" cy="${y}" r="5" fill="${c}"/>` : "";
      const right = Math.max(...[r.upper, r.estimate].filter(Number.isFinite).map((v) => x(v) + 8), labelW + 4);
      return `<g><title>${escapeHtml(`${r.label}: ${fmt(r.estimate)} [${fmt(r.lower)}, ${fmt(r.upper)}]`)}</title><text x="${labelW - 8}" y="${y + 4}" font-size="${fontSize}" text-anchor="end">${escapeHtml(label)}</text>${bar}${dot}<text x="${px(right)}" y="${y + 4}" font-size="11" fill="#333">${fmt(r.estimate)} [${fmt(r.lower)}, ${fmt(r.upper)}]</text></g>`;
    })
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(options.title ?? "intervals")}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${ticks.join("")}${body}</svg>`;
}

/** One group of a grouped bar chart: a value per series, with an optional interval. */
export interface BarGroup {
  label: string;
  values: Array<{ value: number | undefined; lower?: number; upper?: number }>;
}

/** Grouped vertical bars on 0–100 with interval whiskers; one colour per series, legend on top. */
export function groupedBarChart(
  groups: readonly BarGroup[],
  series: readonly string[],
  options: { width?: number; height?: number; title?: string } = {},
): string {
  const left = 36;
  const groupMin = Math.max(
    series.length * 18 + 30,
    ...groups.map((g) => Math.ceil(estimateTextWidth(g.label, 11)) + 14),
  );
  const width =
    Number.isFinite(options.width) && options.width! >= 200
      ? options.width!
      : Math.max(480, groups.length * groupMin + left + 10);
  const key = legend(series, left, width - 10);
  const height = Number.isFinite(options.height) && options.height! >= 120 ? options.height! : 260;
  const top = 20 + key.height;
  const bottom = height + key.height - 36;
  const y = (v: number) => bottom - (clamp(v, 0, 100) / 100) * (bottom - top);
  const groupW = (width - left - 10) / Math.max(1, groups.length);
  const barW = Math.max(3, Math.min(22, (groupW - 14) / Math.max(1, series.length)));
  const parts: string[] = [key.svg];
  for (const t of axisTicks(0, 100, 5))
    parts.push(
      `<line x1="${left}" y1="${px(y(t))}" x2="${width - 10}" y2="${px(y(t))}" stroke="#eee"/><text x="${left - 4}" y="${px(y(t) + 4)}" font-size="10" text-anchor="end" fill="#555">${t}</text>`,
    );
  groups.forEach((g, gi) => {
    const gx = left + gi * groupW + Math.max(7, (groupW - series.length * barW) / 2);
    g.values.forEach((v, si) => {
      if (v.value === undefined || !Number.isFinite(v.value)) return;
      const bx = gx + si * barW;
      const whisker = v.lower !== undefined && v.upper !== undefined && Number.isFinite(v.lower + v.upper);
      parts.push(
        `<g><title>${escapeHtml(`${series[si] ?? ""} · ${g.label}: ${fmt(v.value)}${v.lower !== undefined ? ` [${fmt(v.lower)}, ${fmt(v.upper ?? v.value)}]` : ""}`)}</title><rect x="${px(bx)}" y="${px(y(v.value))}" width="${px(barW - 2)}" height="${px(bottom - y(v.value))}" fill="${seriesColor(si)}"/>${
          whisker
            ? `<line x1="${px(bx + (barW - 2) / 2)}" y1="${px(y(v.lower!))}" x2="${px(bx + (barW - 2) / 2)}" y2="${px(y(v.upper!))}" stroke="#222" stroke-width="1.2"/>`
            : ""
        }</g>`,
      );
    });
    parts.push(
      `<text x="${px(left + gi * groupW + groupW / 2)}" y="${bottom + 16}" font-size="11" text-anchor="middle">${escapeHtml(fitText(g.label, groupW - 4, 11))}</text>`,
    );
  });
  const total = height + key.height;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(options.title ?? "bars")}" viewBox="0 0 ${width} ${total}" width="${width}" height="${total}">${parts.join("")}</svg>`;
}

/** One heatmap row (a session) of cells (its chunks). */
export interface HeatRow {
  label: string;
  cells: Array<{ value: number | undefined; title: string; attrs: Record<string, string> }>;
}

/**
 * Red (≤ 50) → yellow (75) → green (100) for a 0–100 score; grey when unknown. Chunk scores sit mostly above 50,
 * so the scale spends its colours there.
 */
export function scoreColor(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "#cccccc";
  const t = Math.min(1, Math.max(0, (value - 50) / 50));
  const [a, b, u] = t < 0.5 ? [[215, 48, 39], [254, 224, 139], t * 2] : [[254, 224, 139], [26, 152, 80], (t - 0.5) * 2];
  const mix = (i: number) => Math.round(a[i]! + (b[i]! - a[i]!) * (u as number));
  return `rgb(${mix(0)},${mix(1)},${mix(2)})`;
}

/** Misalignment heatmap: one row per session, one cell per chunk, coloured by the chunk's Overall score. */
export function heatmap(
  rows: readonly HeatRow[],
  columns: readonly string[],
  options: { title?: string } = {},
): string {
  const fontSize = 11;
  // Long model names are shortened to fit 420 px; the row's <title> keeps the whole label.
  const labelW = labelColumn(
    rows.map((r) => r.label),
    fontSize,
    80,
    420,
  );
  const cell = 26;
  const top = 22;
  const width = labelW + columns.length * (cell + 2) + 10;
  const height = top + rows.length * (cell + 2) + 6;
  const parts: string[] = columns.map(
    (c, i) =>
      `<text x="${labelW + i * (cell + 2) + cell / 2}" y="14" font-size="10" text-anchor="middle">${escapeHtml(fitText(c, cell, 10))}</text>`,
  );
  rows.forEach((row, ri) => {
    const y = top + ri * (cell + 2);
    parts.push(
      `<g><title>${escapeHtml(row.label)}</title><text x="${labelW - 6}" y="${y + cell / 2 + 4}" font-size="${fontSize}" text-anchor="end">${escapeHtml(fitText(row.label, labelW - 12, fontSize))}</text></g>`,
    );
    row.cells.forEach((c, ci) => {
      const attrs = Object.entries(c.attrs)
        .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
        .join("");
      parts.push(
        `<rect class="cell" x="${labelW + ci * (cell + 2)}" y="${y}" width="${cell}" height="${cell}" rx="3" fill="${scoreColor(c.value)}"${attrs}><title>${escapeHtml(c.title)}</title></rect>`,
      );
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(options.title ?? "heatmap")}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${parts.join("")}</svg>`;
}

/** A line series. */
export interface LineSeries {
  label: string;
  points: Array<{ x: number; y: number }>;
}

/** A line chart with dots, linear axes (y from 0), legend on top; points with a non-finite coordinate are left out. */
export function lineChart(
  series: readonly LineSeries[],
  options: { xLabel: string; yLabel: string; width?: number; height?: number; title?: string; minYMax?: number },
): string {
  const width = Number.isFinite(options.width) && options.width! >= 200 ? options.width! : 560;
  const left = 48;
  const right = width - 12;
  const key = legend(
    series.map((s) => s.label),
    left,
    right,
  );
  const height = (Number.isFinite(options.height) && options.height! >= 120 ? options.height! : 240) + key.height;
  const top = 22 + key.height;
  const bottom = height - 34;
  const clean = series.map((s) => ({
    label: s.label,
    points: s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)),
  }));
  const xs = clean.flatMap((s) => s.points.map((p) => p.x));
  const ys = clean.flatMap((s) => s.points.map((p) => p.y));
  const xr = axisRange(Math.min(...xs, Math.max(1, ...xs)), Math.max(1, ...xs), 1);
  const yTop = Math.max(options.minYMax ?? 0, Math.max(0, ...ys) * 1.1);
  const yr = axisRange(0, yTop > 0 ? yTop : 1, 1);
  const X = (v: number) => left + ((v - xr.lo) / (xr.hi - xr.lo)) * (right - left);
  const Y = (v: number) => bottom - ((clamp(v, yr.lo, yr.hi) - yr.lo) / (yr.hi - yr.lo)) * (bottom - top);
  const parts: string[] = [key.svg];
  for (const v of axisTicks(yr.lo, yr.hi, 4))
    parts.push(
      `<line x1="${left}" y1="${px(Y(v))}" x2="${right}" y2="${px(Y(v))}" stroke="#eee"/><text x="${left - 4}" y="${px(Y(v) + 4)}" font-size="10" text-anchor="end" fill="#555">${v >= 10 ? v.toFixed(0) : v.toFixed(2)}</text>`,
    );
  // At most ~one x label per 36 px, so many distinct x values do not print over each other.
  const xTicks = [...new Set(xs)].sort((a, b) => a - b);
  const every = Math.max(1, Math.ceil(xTicks.length / Math.max(1, Math.floor((right - left) / 36))));
  xTicks.forEach((x, i) => {
    if (i % every === 0)
      parts.push(
        `<text x="${px(X(x))}" y="${bottom + 14}" font-size="10" text-anchor="middle" fill="#555">${escapeHtml(String(x))}</text>`,
      );
  });
  parts.push(
    `<text x="${(left + right) / 2}" y="${height - 4}" font-size="11" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`,
  );
  parts.push(
    `<text x="12" y="${px((top + bottom) / 2)}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${px((top + bottom) / 2)})">${escapeHtml(options.yLabel)}</text>`,
  );
  clean.forEach((s, i) => {
    const c = seriesColor(i);
    if (s.points.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${c}" stroke-width="2" points="${s.points.map((p) => `${px(X(p.x))},${px(Y(p.y))}`).join(" ")}"/>`,
      );
    for (const p of s.points)
      parts.push(
        `<circle cx="${px(X(p.x))}" cy="${px(Y(p.y))}" r="3" fill="${c}"><title>${escapeHtml(`${s.label} @ ${p.x}: ${p.y.toFixed(3)}`)}</title></circle>`,
      );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(options.title ?? "line chart")}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${parts.join("")}</svg>`;
}
