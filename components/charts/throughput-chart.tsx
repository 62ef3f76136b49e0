'use client';

import { AxisBottom, AxisLeft } from '@visx/axis';
import { scaleBand, scaleLinear } from '@visx/scale';
import { useMemo } from 'react';
import { AxisTickLabel } from './axis-tick-label';
import { formatBucketLabel, formatBucketTime, formatCount, formatWeekday } from './format';
import { countTicks, fillThroughputGaps, timeTicks } from './series';
import type { ThroughputBucket, ThroughputPoint } from './types';
import { useElementWidth } from './use-element-width';

export interface ThroughputChartProps {
  /** Buckets sorted by time, possibly sparse: missing buckets between the first and the last count zero. */
  points: ThroughputPoint[];
  bucket: ThroughputBucket;
  title: string;
}

const HEIGHT = 220;
const MARGIN = { top: 8, right: 8, bottom: 24, left: 44 };
/** Room one time label needs on the axis, so that labels never touch. */
const LABEL_WIDTH: Record<ThroughputBucket, number> = { minute: 56, hour: 84 };
/** Room for a weekday alone ("Tue"), the hour axis's labels when "Tue 00:00" once a day does not fit. */
const WEEKDAY_LABEL_WIDTH = 32;
const HOURS_PER_DAY = 24;
/** The smallest height a non-zero segment gets, so that a single failure stays visible. */
const MIN_SEGMENT = 2;

// Full class names, so that tailwind finds them. Completed is darker than failed: the two differ in
// lightness, not only in hue, for readers who do not tell red from green.
const COLOURS = {
  completed: { bar: 'fill-emerald-700 dark:fill-emerald-300', swatch: 'bg-emerald-700 dark:bg-emerald-300' },
  failed: { bar: 'fill-red-500', swatch: 'bg-red-500' },
};

/**
 * Completed and failed jobs per bucket as stacked bars (completed below, failed on top), with a
 * legend carrying the totals and a visually hidden table of the same numbers for screen readers.
 * The bars are drawn in the browser once the width is known; the rest renders on the server too.
 * It fills the width it is given and draws no frame: the page puts it in a card.
 */
export function ThroughputChart({ points, bucket, title }: ThroughputChartProps) {
  const series = useMemo(() => fillThroughputGaps(points, bucket), [points, bucket]);
  const totals = useMemo(
    () =>
      series.reduce(
        (sum, point) => ({ completed: sum.completed + point.completed, failed: sum.failed + point.failed }),
        { completed: 0, failed: 0 },
      ),
    [series],
  );
  const [ref, width] = useElementWidth();
  const empty = totals.completed + totals.failed === 0;

  return (
    <figure className="relative flex flex-wrap items-baseline justify-between gap-x-4 gap-y-3">
      <figcaption className="text-sm font-semibold text-slate-900 dark:text-slate-100">{title}</figcaption>
      {empty ? (
        <p className="basis-full text-sm text-slate-500 dark:text-slate-400">No jobs ended in this period.</p>
      ) : (
        <>
          <ul className="flex gap-4 text-xs text-slate-600 dark:text-slate-400" aria-hidden="true">
            <LegendItem swatch={COLOURS.completed.swatch} label="Completed" total={totals.completed} />
            <LegendItem swatch={COLOURS.failed.swatch} label="Failed" total={totals.failed} />
          </ul>
          <div ref={ref} className="basis-full" style={{ height: HEIGHT }} aria-hidden="true">
            {width > 0 && <Bars series={series} bucket={bucket} width={width} />}
          </div>
          {/* sr-only on a wrapper: overflow does not clip a table box, so a hidden table would still
              stretch the page by its full height. */}
          <div className="sr-only">
            <table>
              <caption>{title} (times in UTC)</caption>
              <thead>
                <tr>
                  <th scope="col">{bucket === 'minute' ? 'Minute' : 'Hour'} starting</th>
                  <th scope="col">Completed</th>
                  <th scope="col">Failed</th>
                </tr>
              </thead>
              <tbody>
                {series.map((point) => (
                  <tr key={point.at}>
                    <th scope="row">{formatBucketTime(point.at)}</th>
                    <td>{formatCount(point.completed)}</td>
                    <td>{formatCount(point.failed)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">Total</th>
                  <td>{formatCount(totals.completed)}</td>
                  <td>{formatCount(totals.failed)}</td>
                </tr>
              </tfoot>
            </table>
          </div>
        </>
      )}
    </figure>
  );
}

function LegendItem({ swatch, label, total }: { swatch: string; label: string; total: number }) {
  return (
    <li className="flex items-center gap-1.5">
      <span className={`size-2.5 rounded-sm ${swatch}`} />
      {label}
      <span className="font-medium tabular-nums text-slate-900 dark:text-slate-100">{formatCount(total)}</span>
    </li>
  );
}

function Bars({ series, bucket, width }: { series: ThroughputPoint[]; bucket: ThroughputBucket; width: number }) {
  const innerWidth = Math.max(0, width - MARGIN.left - MARGIN.right);
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = scaleBand<string>({
    domain: series.map((point) => point.at),
    range: [0, innerWidth],
    paddingInner: 0.2,
    paddingOuter: 0.1,
  });
  const yTicks = countTicks(Math.max(...series.map((point) => point.completed + point.failed)), 4);
  const y = scaleLinear<number>({ domain: [0, yTicks.at(-1) ?? 1], range: [innerHeight, 0] });
  const step = x.step();
  const barWidth = x.bandwidth();
  const fullLabels = Math.floor(innerWidth / LABEL_WIDTH[bucket]);
  const days = Math.ceil(series.length / HOURS_PER_DAY);
  const weekdaysOnly = bucket === 'hour' && days > fullLabels;
  // A weekday alone names a day, so at most one label a day (at midnight), never "Sun Sun Mon Mon".
  const xTicks = timeTicks(series, bucket, weekdaysOnly ? Math.min(days, Math.floor(innerWidth / WEEKDAY_LABEL_WIDTH)) : fullLabels);

  return (
    <svg width={width} height={HEIGHT} className="block">
      <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
        {yTicks.map((tick) => (
          <line key={tick} x1={0} x2={innerWidth} y1={y(tick)} y2={y(tick)} className="stroke-slate-100 dark:stroke-slate-800" />
        ))}
        {series.map((point) => {
          const left = x(point.at) ?? 0;
          const completedHeight = segmentHeight(innerHeight - y(point.completed), point.completed);
          const failedHeight = segmentHeight(y(point.completed) - y(point.completed + point.failed), point.failed);
          return (
            <g key={point.at}>
              <rect
                x={left}
                y={innerHeight - completedHeight}
                width={barWidth}
                height={completedHeight}
                className={COLOURS.completed.bar}
              />
              <rect
                x={left}
                y={innerHeight - completedHeight - failedHeight}
                width={barWidth}
                height={failedHeight}
                className={COLOURS.failed.bar}
              />
              {/* The whole column answers hover, with the numbers as the browser's tooltip. */}
              <rect
                x={left - (step - barWidth) / 2}
                y={0}
                width={step}
                height={innerHeight}
                className="fill-transparent hover:fill-slate-900/5 dark:hover:fill-white/10"
              >
                <title>
                  {`${formatBucketTime(point.at)} UTC: ${formatCount(point.completed)} completed, ${formatCount(point.failed)} failed`}
                </title>
              </rect>
            </g>
          );
        })}
        <g className="text-slate-300 dark:text-slate-600">
          <AxisLeft
            scale={y}
            tickValues={yTicks}
            tickFormat={(value) => formatCount(Number(value))}
            tickComponent={AxisTickLabel}
            hideAxisLine
            hideTicks
          />
          <AxisBottom
            top={innerHeight}
            scale={x}
            tickValues={xTicks}
            tickFormat={(at) => (weekdaysOnly ? formatWeekday(at) : formatBucketLabel(at, bucket))}
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

/** A segment's drawn height: at least MIN_SEGMENT pixels when it counts any job, none when it counts none. */
function segmentHeight(scaled: number, count: number): number {
  return count > 0 ? Math.max(MIN_SEGMENT, scaled) : 0;
}
