'use client';

import { AxisBottom } from '@visx/axis';
import { scaleLinear } from '@visx/scale';
import { AxisTickLabel } from './axis-tick-label';
import { formatCount, formatDuration } from './format';
import { durationTicks } from './series';
import type { DurationRow } from './types';
import { useElementWidth } from './use-element-width';

export interface DurationChartProps {
  /** One row per task, drawn in the order given. */
  rows: DurationRow[];
  title?: string;
}

const PERCENTILES = [
  { key: 'p50Ms', label: 'p50', bar: 'fill-sky-300 dark:fill-sky-200' },
  { key: 'p95Ms', label: 'p95', bar: 'fill-sky-500 dark:fill-sky-400' },
  { key: 'p99Ms', label: 'p99', bar: 'fill-sky-700 dark:fill-sky-600' },
] as const;

const MARGIN = { top: 4, right: 76, bottom: 24, left: 32 };
const NAME_HEIGHT = 20;
const BAR_HEIGHT = 10;
const BAR_GAP = 3;
const GROUP_GAP = 14;
const GROUP_HEIGHT = NAME_HEIGHT + PERCENTILES.length * BAR_HEIGHT + (PERCENTILES.length - 1) * BAR_GAP;
/** Room one duration label needs on the axis ("1 min 30 s"). */
const LABEL_WIDTH = 80;

function chartHeight(rowCount: number): number {
  return MARGIN.top + rowCount * GROUP_HEIGHT + (rowCount - 1) * GROUP_GAP + MARGIN.bottom;
}

/**
 * p50, p95 and p99 run durations per task as horizontal bars, each bar labelled with its percentile
 * and its duration, and a visually hidden table of the same numbers for screen readers. The height
 * follows the number of tasks; the bars are drawn in the browser once the width is known. It fills
 * the width it is given and draws no frame: the page puts it in a card.
 */
export function DurationChart({ rows, title = 'Run duration by task' }: DurationChartProps) {
  const [ref, width] = useElementWidth();

  return (
    <figure className="relative grid gap-3">
      <figcaption className="text-sm font-semibold text-slate-900 dark:text-slate-100">{title}</figcaption>
      {rows.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">No jobs ended in this period.</p>
      ) : (
        <>
          <p className="-mt-2 text-xs text-slate-500 dark:text-slate-400">
            Half of the runs took at most p50, 95% at most p95, 99% at most p99 (approximate).
          </p>
          <div ref={ref} className="w-full" style={{ height: chartHeight(rows.length) }} aria-hidden="true">
            {width > 0 && <Bars rows={rows} width={width} />}
          </div>
          {/* sr-only on a wrapper: overflow does not clip a table box, so a hidden table would still
              stretch the page by its full height. */}
          <div className="sr-only">
            <table>
              <caption>{title}</caption>
              <thead>
                <tr>
                  <th scope="col">Task</th>
                  <th scope="col">Runs</th>
                  {PERCENTILES.map((percentile) => (
                    <th key={percentile.key} scope="col">
                      {percentile.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.task}>
                    <th scope="row">{row.task}</th>
                    <td>{formatCount(row.runs)}</td>
                    {PERCENTILES.map((percentile) => (
                      <td key={percentile.key}>{formatDuration(row[percentile.key])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </figure>
  );
}

function Bars({ rows, width }: { rows: DurationRow[]; width: number }) {
  const height = chartHeight(rows.length);
  const innerWidth = Math.max(0, width - MARGIN.left - MARGIN.right);
  const innerHeight = height - MARGIN.top - MARGIN.bottom;
  const longest = Math.max(...rows.flatMap((row) => PERCENTILES.map((percentile) => row[percentile.key])));
  const ticks = durationTicks(longest, Math.floor(innerWidth / LABEL_WIDTH));
  // The axis ends at the longest bar (the value labels sit in the right margin).
  const x = scaleLinear<number>({ domain: [0, longest > 0 ? longest : 1], range: [0, innerWidth] });

  return (
    <svg width={width} height={height} className="block">
      <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
        {ticks.map((tick) => (
          <line key={tick} x1={x(tick)} x2={x(tick)} y1={0} y2={innerHeight} className="stroke-slate-100 dark:stroke-slate-800" />
        ))}
        {rows.map((row, index) => {
          const top = index * (GROUP_HEIGHT + GROUP_GAP);
          return (
            <g key={row.task} transform={`translate(0,${top})`}>
              <text x={-MARGIN.left} y={14} className="text-xs">
                <tspan className="fill-slate-900 dark:fill-slate-100 font-medium">{row.task}</tspan>
                <tspan className="fill-slate-500 dark:fill-slate-400">{` · ${formatCount(row.runs)} ${row.runs === 1 ? 'run' : 'runs'}`}</tspan>
              </text>
              {PERCENTILES.map((percentile, bar) => {
                const y = NAME_HEIGHT + bar * (BAR_HEIGHT + BAR_GAP);
                const value = row[percentile.key];
                const length = Number.isFinite(value) && value > 0 ? x(value) : 0;
                return (
                  <g key={percentile.key} className="text-[11px]">
                    <text x={-6} y={y + BAR_HEIGHT / 2} dy="0.35em" textAnchor="end" className="fill-slate-500 dark:fill-slate-400">
                      {percentile.label}
                    </text>
                    <rect x={0} y={y} width={Math.max(1, length)} height={BAR_HEIGHT} className={percentile.bar} />
                    <text x={length + 4} y={y + BAR_HEIGHT / 2} dy="0.35em" className="fill-slate-700 dark:fill-slate-300 tabular-nums">
                      {formatDuration(value)}
                    </text>
                  </g>
                );
              })}
            </g>
          );
        })}
        <g className="text-slate-300 dark:text-slate-600">
          <AxisBottom
            top={innerHeight}
            scale={x}
            tickValues={ticks}
            tickFormat={(value) => (Number(value) === 0 ? '0' : formatDuration(Number(value)))}
            tickComponent={AxisTickLabel}
            tickLength={4}
            stroke="currentColor"
            tickStroke="currentColor"
          />
        </g>
      </g>
    </svg>
  );
}
