/**
 * The SVG chart of BENCHMARKS.md: deliveries/s, deliveries per server CPU-second and p99 latency
 * per server and scenario, as
 * grouped bars. Each scenario's group has its own scale (the scenarios differ by orders of
 * magnitude) and every bar is labelled with its value; a failed run is drawn as a red ✗.
 * Hand-written SVG, no dependencies; pure.
 *
 * @module
 */

import { cellOf, METRICS, type RunRecord } from "./compare.ts";
import { type Scenario, SERVER_LABELS, type ServerName } from "./scenarios.ts";

/** Bar colours per server. */
export const SERVER_COLORS: Record<ServerName, string> = {
  chat: "#2f6fb3",
  ngircd: "#d98b1c",
  inspircd: "#4d9a4a",
  relay: "#8a8a8a",
};

/** Metrics drawn, one panel each. */
export const CHART_METRICS = ["dps", "dpcpu", "p99"] as const;

const BAR = 26, GAP = 6, GROUP_GAP = 34, LEFT = 20, PANEL_H = 225, PLOT_H = 140, TOP = 64;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

/** The chart as an SVG document. Scenarios without messages (A) are left out. */
export function renderChart(
  scenarios: Scenario[],
  servers: ServerName[],
  records: RunRecord[],
  title = "chat vs peers: deliveries/s, per server CPU-second, and p99 latency",
): string {
  const groups = scenarios.filter((s) => s.load.messages > 0 && s.load.senders > 0);
  const groupW = servers.length * (BAR + GAP) - GAP;
  const width = Math.max(360, LEFT * 2 + groups.length * (groupW + GROUP_GAP));
  const height = TOP + CHART_METRICS.length * PANEL_H;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="${LEFT}" y="36" fill="#555">each scenario on its own scale; ✗: the run failed; ` +
      `n/a: not measurable (e.g. under 10 ms of CPU)</text>`,
  );
  servers.forEach((s, i) => {
    const x = LEFT + i * 110;
    out.push(
      `<rect x="${x}" y="44" width="12" height="12" fill="${SERVER_COLORS[s]}"/>`,
      `<text x="${x + 16}" y="54">${esc(SERVER_LABELS[s])}</text>`,
    );
  });
  CHART_METRICS.forEach((key, p) => {
    const m = METRICS[key];
    const top = TOP + p * PANEL_H;
    const base = top + 44 + PLOT_H;
    out.push(
      `<text x="${LEFT}" y="${top + 16}" font-size="12" font-weight="bold">${
        esc(`${m.label} (${m.better === "higher" ? "higher" : "lower"} is better)`)
      }</text>`,
      `<line x1="${LEFT}" y1="${base}" x2="${width - LEFT}" y2="${base}" stroke="#888"/>`,
    );
    groups.forEach((sc, g) => {
      const gx = LEFT + GROUP_GAP / 2 + g * (groupW + GROUP_GAP);
      const cells = servers.map((s) => ({
        s,
        c: cellOf(m, records.filter((r) => r.scenario === sc.id && r.server === s)),
      }));
      const max = Math.max(0, ...cells.map(({ c }) => c.value ?? 0));
      cells.forEach(({ s, c }, i) => {
        const x = gx + i * (BAR + GAP);
        const data = `data-metric="${key}" data-scenario="${sc.id}" data-server="${s}"`;
        if (c.value === undefined && !c.failure) {
          out.push(
            `<text class="na" ${data} x="${x + BAR / 2}" y="${base - 6}" text-anchor="middle" ` +
              `fill="#888" font-size="9">n/a</text>`,
          );
          return;
        }
        if (c.value === undefined) {
          out.push(
            `<text class="failed" ${data} x="${x + BAR / 2}" y="${base - 6}" ` +
              `text-anchor="middle" fill="#c62828" font-size="16">✗</text>`,
            `<text x="${x + BAR / 2}" y="${base - 24}" text-anchor="middle" fill="#c62828" ` +
              `font-size="9">failed</text>`,
          );
          return;
        }
        const h = max > 0 ? Math.max(1, (c.value / max) * PLOT_H) : 1;
        out.push(
          `<rect class="bar" ${data} data-value="${c.value}" x="${x}" y="${
            (base - h).toFixed(1)
          }" ` +
            `width="${BAR}" height="${h.toFixed(1)}" fill="${SERVER_COLORS[s]}"` +
            (c.failure ? ` stroke="#c62828" stroke-width="2"` : "") + `/>`,
          `<text x="${x + BAR / 2}" y="${(base - h - 4).toFixed(1)}" text-anchor="middle" ` +
            `font-size="9">${esc(m.format(c.value))}${c.failure ? " ✗" : ""}</text>`,
        );
      });
      out.push(
        `<text x="${gx + groupW / 2}" y="${
          base + 16
        }" text-anchor="middle" font-weight="bold">${sc.id}</text>`,
      );
    });
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
