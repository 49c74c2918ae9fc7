/**
 * The Prometheus text exposition format, version 0.0.4: for each metric family a `# HELP` and a
 * `# TYPE` line, then its samples, one per line. Pure: the scrape's numbers in, the text out.
 *
 * @module
 */

/** The Content-Type of a scrape's answer. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** One sample of a family: its name's suffix (`_sum`, `_count`), its labels, its value. */
export interface Sample {
  suffix?: string;
  labels?: Readonly<Record<string, string>>;
  value: number;
}

/** One metric family as the format describes it. */
export interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "summary";
  samples: readonly Sample[];
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabel(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/** A value as the format writes it (Go's float syntax; NaN and infinities by name). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** The text of a scrape; families keep their order, and each name must appear once. */
export function renderExposition(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = sample.labels
        ? `{${Object.entries(sample.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`
        : "";
      lines.push(`${family.name}${sample.suffix ?? ""}${labels} ${formatValue(sample.value)}`);
    }
  }
  return lines.join("\n") + "\n";
}
