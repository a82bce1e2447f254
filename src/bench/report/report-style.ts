/** The report's stylesheet (inline: the report is one self-contained file). */
export const REPORT_CSS = `
:root { --fg: #1d1d1f; --muted: #666; --line: #e3e3e3; --accent: #0072B2; --bad: #d7301f; --warn: #b35806; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", sans-serif; color: var(--fg); margin: 0; }
header { padding: 16px 24px; border-bottom: 1px solid var(--line); background: #fafafa; }
header h1 { margin: 0 0 4px; font-size: 20px; }
nav a { margin-right: 12px; color: var(--accent); text-decoration: none; font-size: 13px; }
main { padding: 8px 24px 48px; max-width: 1400px; }
/* Long model names, quotes and hashes break anywhere rather than widen the page past the window (only in the
   cells that hold them: anywhere also lets a table squeeze short words, so other cells keep normal wrapping). */
td.wrap, td code, main li, main p, .turn { overflow-wrap: anywhere; }
td.wrap { min-width: 12em; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; }
section { margin: 28px 0; }
h2 { font-size: 17px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f6f6f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.ci { color: var(--muted); font-size: 12px; }
.muted { color: var(--muted); }
.warn { color: var(--warn); }
.pass { color: #1a9850; font-weight: 600; }
.fail { color: var(--bad); font-weight: 600; }
.chart { overflow-x: auto; }
.chart svg { max-width: 100%; height: auto; }
svg text { font-family: inherit; }
svg rect.cell { cursor: pointer; }
.controls { display: flex; gap: 12px; flex-wrap: wrap; align-items: center; margin: 8px 0; }
.controls label { font-size: 13px; }
select, button { font: inherit; font-size: 13px; }
select { max-width: 32em; text-overflow: ellipsis; }
#flag-table tbody tr { cursor: pointer; }
#flag-table tbody tr:hover { background: #f0f7ff; }
.status-standing { color: var(--bad); }
.status-outvoted, .status-unverified { color: var(--muted); }
.status-unverified { text-decoration: line-through; }
.status-detector { color: #6a3d9a; }
.viewer { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; max-height: 560px; overflow-y: auto; background: #fff; }
.turn { padding: 6px 8px; margin: 4px 0; border-radius: 4px; white-space: pre-wrap; word-break: break-word; }
.turn.ai { background: #f4f8fb; }
.turn.user { background: #fbf7f0; }
.turn .who { font-size: 11px; color: var(--muted); display: block; }
.turn.flagged { outline: 2px solid var(--bad); }
.turn.focus { box-shadow: 0 0 0 4px rgba(0,114,178,.35); }
.turn mark { background: #ffe08a; }
.chip { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 8px; background: #fde0dd; margin: 2px 4px 0 0; }
.chip.detector { background: #e7d4f0; }
.chip.unverified, .chip.outvoted { background: #eee; }
.columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; }
.columns h3 { font-size: 14px; margin: 4px 0; }
code { font-size: 12px; background: #f4f4f4; padding: 1px 4px; border-radius: 3px; }
`;
