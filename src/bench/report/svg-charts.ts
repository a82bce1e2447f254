// Charts as inline SVG strings: no library, no network, nothing the report's Content-Security-Policy would block.

/** Escape text for HTML and SVG. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Colour-blind-safe palette (Okabe–Ito), one colour per series. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

function fmt(n: number): string {
  return Number.isFinite(n) ? n.toFixed(1) : "–";
}

/** One row of an interval (forest) plot. */
export interface IntervalRow {
  label: string;
  estimate: number;
  lower: number;
  upper: number;
  color?: string;
}

/** Horizontal interval plot: a dot at the estimate and a bar over the interval, on a shared 0–100 axis. */
export function intervalChart(
  rows: readonly IntervalRow[],
  options: { width?: number; min?: number; max?: number; title?: string } = {},
): string {
  const width = options.width ?? 760;
  const labelW = 200;
  const rowH = 26;
  const top = 24;
  const height = top + rows.length * rowH + 28;
  const lo = options.min ?? Math.max(0, Math.floor(Math.min(...rows.map((r) => r.lower), 100) / 10) * 10);
  const hi = options.max ?? 100;
  const x = (v: number) =>
    labelW + ((Math.min(hi, Math.max(lo, v)) - lo) / Math.max(1e-9, hi - lo)) * (width - labelW - 170);
  const ticks: string[] = [];
  for (let t = lo; t <= hi; t += (hi - lo) / 5) {
    ticks.push(
      `<line x1="${x(t)}" y1="${top - 6}" x2="${x(t)}" y2="${height - 24}" stroke="#ddd"/><text x="${x(t)}" y="${height - 8}" font-size="11" text-anchor="middle" fill="#555">${fmt(t)}</text>`,
    );
  }
  const body = rows
    .map((r, i) => {
      const y = top + i * rowH + rowH / 2;
      const c = r.color ?? seriesColor(i);
      return `<g><title>${escapeHtml(`${r.label}: ${fmt(r.estimate)} [${fmt(r.lower)}, ${fmt(r.upper)}]`)}</title><text x="${labelW - 8}" y="${y + 4}" font-size="12" text-anchor="end">${escapeHtml(r.label)}</text><line x1="${x(r.lower)}" y1="${y}" x2="${x(r.upper)}" y2="${y}" stroke="${c}" stroke-width="3"/><circle cx="${x(r.estimate)}" cy="${y}" r="5" fill="${c}"/><text x="${x(r.upper) + 6}" y="${y + 4}" font-size="11" fill="#333">${fmt(r.estimate)} [${fmt(r.lower)}, ${fmt(r.upper)}]</text></g>`;
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
  const width = options.width ?? Math.max(480, groups.length * (series.length * 18 + 30) + 60);
  const height = options.height ?? 260;
  const left = 36;
  const top = 20 + Math.ceil(series.length / 4) * 16;
  const bottom = height - 36;
  const y = (v: number) => bottom - (Math.min(100, Math.max(0, v)) / 100) * (bottom - top);
  const groupW = (width - left - 10) / Math.max(1, groups.length);
  const barW = Math.min(22, (groupW - 14) / Math.max(1, series.length));
  const parts: string[] = [];
  for (let t = 0; t <= 100; t += 20)
    parts.push(
      `<line x1="${left}" y1="${y(t)}" x2="${width - 10}" y2="${y(t)}" stroke="#eee"/><text x="${left - 4}" y="${y(t) + 4}" font-size="10" text-anchor="end" fill="#555">${t}</text>`,
    );
  series.forEach((name, i) => {
    const lx = left + (i % 4) * 150;
    const ly = 12 + Math.floor(i / 4) * 16;
    parts.push(
      `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${seriesColor(i)}"/><text x="${lx + 14}" y="${ly}" font-size="11">${escapeHtml(name)}</text>`,
    );
  });
  groups.forEach((g, gi) => {
    const gx = left + gi * groupW + 7;
    g.values.forEach((v, si) => {
      if (v.value === undefined) return;
      const bx = gx + si * barW;
      parts.push(
        `<g><title>${escapeHtml(`${series[si]} · ${g.label}: ${fmt(v.value)}${v.lower !== undefined ? ` [${fmt(v.lower)}, ${fmt(v.upper ?? v.value)}]` : ""}`)}</title><rect x="${bx}" y="${y(v.value)}" width="${barW - 2}" height="${bottom - y(v.value)}" fill="${seriesColor(si)}"/>${
          v.lower !== undefined && v.upper !== undefined
            ? `<line x1="${bx + (barW - 2) / 2}" y1="${y(v.lower)}" x2="${bx + (barW - 2) / 2}" y2="${y(v.upper)}" stroke="#222" stroke-width="1.2"/>`
            : ""
        }</g>`,
      );
    });
    parts.push(
      `<text x="${gx + (series.length * barW) / 2}" y="${bottom + 16}" font-size="11" text-anchor="middle">${escapeHtml(g.label)}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(options.title ?? "bars")}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${parts.join("")}</svg>`;
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
  const labelW = 220;
  const cell = 26;
  const top = 22;
  const width = labelW + columns.length * (cell + 2) + 10;
  const height = top + rows.length * (cell + 2) + 6;
  const parts: string[] = columns.map(
    (c, i) =>
      `<text x="${labelW + i * (cell + 2) + cell / 2}" y="14" font-size="10" text-anchor="middle">${escapeHtml(c)}</text>`,
  );
  rows.forEach((row, ri) => {
    const y = top + ri * (cell + 2);
    parts.push(
      `<text x="${labelW - 6}" y="${y + cell / 2 + 4}" font-size="11" text-anchor="end">${escapeHtml(row.label)}</text>`,
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

/** A line chart with dots, linear axes starting at 0, legend on top. */
export function lineChart(
  series: readonly LineSeries[],
  options: { xLabel: string; yLabel: string; width?: number; height?: number; title?: string; minYMax?: number },
): string {
  const width = options.width ?? 560;
  const height = options.height ?? 240;
  const left = 48;
  const top = 22 + Math.ceil(series.length / 3) * 16;
  const bottom = height - 34;
  const right = width - 12;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const xMax = Math.max(1, ...xs);
  const xMin = Math.min(...xs, xMax);
  const yMax = Math.max(options.minYMax ?? 1e-9, Math.max(0, ...ys) * 1.1);
  const X = (v: number) => left + ((v - xMin) / Math.max(1e-9, xMax - xMin)) * (right - left);
  const Y = (v: number) => bottom - (v / yMax) * (bottom - top);
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax / 4) * i;
    parts.push(
      `<line x1="${left}" y1="${Y(v)}" x2="${right}" y2="${Y(v)}" stroke="#eee"/><text x="${left - 4}" y="${Y(v) + 4}" font-size="10" text-anchor="end" fill="#555">${v >= 10 ? v.toFixed(0) : v.toFixed(2)}</text>`,
    );
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b))
    parts.push(`<text x="${X(x)}" y="${bottom + 14}" font-size="10" text-anchor="middle" fill="#555">${x}</text>`);
  parts.push(
    `<text x="${(left + right) / 2}" y="${height - 4}" font-size="11" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`,
  );
  parts.push(
    `<text x="12" y="${(top + bottom) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${(top + bottom) / 2})">${escapeHtml(options.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const c = seriesColor(i);
    const lx = left + (i % 3) * 170;
    const ly = 12 + Math.floor(i / 3) * 16;
    parts.push(
      `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${c}"/><text x="${lx + 14}" y="${ly}" font-size="11">${escapeHtml(s.label)}</text>`,
    );
    if (s.points.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${c}" stroke-width="2" points="${s.points.map((p) => `${X(p.x)},${Y(p.y)}`).join(" ")}"/>`,
      );
    for (const p of s.points)
      parts.push(
        `<circle cx="${X(p.x)}" cy="${Y(p.y)}" r="3" fill="${c}"><title>${escapeHtml(`${s.label} @ ${p.x}: ${p.y.toFixed(3)}`)}</title></circle>`,
      );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(options.title ?? "line chart")}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${parts.join("")}</svg>`;
}
