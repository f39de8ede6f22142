import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import { BarChart, LineChart } from 'echarts/charts';
import type {
  DataZoomComponentOption,
  GridComponentOption,
  LegendComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import type { ComposeOption, ECharts } from 'echarts/core';
import { init, use as registerChartParts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import { cn } from '@/shared/lib/cn';

registerChartParts([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | DataZoomComponentOption
>;

export interface ChartHandle {
  /** PNG of the chart as a data: URL (white background, 2x pixel ratio). */
  toPngDataUrl: () => string | undefined;
}

interface EChartProps {
  option: ChartOption;
  /** Short description of the chart for assistive technology. */
  ariaLabel: string;
  className?: string;
  onItemClick?: (name: string, dataIndex: number) => void;
  ref?: Ref<ChartHandle>;
}

/**
 * Thin wrapper around a tree-shaken ECharts instance. ECharts is an external, imperative
 * system, so effects are the right tool here: one creates/disposes the instance, one pushes
 * option changes.
 */
export function EChart({ option, ariaLabel, className, onItemClick, ref }: EChartProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<ECharts | null>(null);
  const clickRef = useRef(onItemClick);

  useImperativeHandle(
    ref,
    () => ({
      toPngDataUrl: () =>
        chartRef.current?.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' }),
    }),
    [],
  );

  useEffect(() => {
    clickRef.current = onItemClick;
  }, [onItemClick]);

  useEffect(() => {
    const element = containerRef.current;
    if (!element) return;
    const chart = init(element, undefined, { renderer: 'canvas' });
    chartRef.current = chart;
    chart.on('click', (params) => {
      clickRef.current?.(params.name, params.dataIndex);
    });
    const observer = new ResizeObserver(() => {
      chart.resize();
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.dispose();
      chartRef.current = null;
    };
  }, []);

  useEffect(() => {
    chartRef.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={containerRef} role="img" aria-label={ariaLabel} className={cn('h-72 w-full', className)} />;
}
