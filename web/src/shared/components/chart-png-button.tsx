import type { RefObject } from 'react';
import { Button } from '@/shared/components/button';
import type { ChartHandle } from '@/shared/components/echart';
import { downloadHref } from '@/shared/lib/download';

interface ChartPngButtonProps {
  chart: RefObject<ChartHandle | null>;
  /** Accessible name, e.g. "Download revenue chart as PNG". */
  label: string;
  filename: string;
  disabled?: boolean;
}

export function ChartPngButton({ chart, label, filename, disabled }: ChartPngButtonProps) {
  return (
    <Button
      size="sm"
      aria-label={label}
      title={label}
      disabled={disabled}
      onClick={() => {
        const url = chart.current?.toPngDataUrl();
        if (url) downloadHref(url, filename);
      }}
    >
      <svg aria-hidden="true" viewBox="0 0 20 20" className="size-4 fill-current">
        <path d="M10 2.5a.75.75 0 0 1 .75.75v7.19l2.22-2.22a.75.75 0 1 1 1.06 1.06l-3.5 3.5a.75.75 0 0 1-1.06 0l-3.5-3.5a.75.75 0 1 1 1.06-1.06l2.22 2.22V3.25A.75.75 0 0 1 10 2.5ZM3.5 13.75a.75.75 0 0 1 .75.75v.75c0 .41.34.75.75.75h10a.75.75 0 0 0 .75-.75v-.75a.75.75 0 0 1 1.5 0v.75A2.25 2.25 0 0 1 15 17.5H5a2.25 2.25 0 0 1-2.25-2.25v-.75a.75.75 0 0 1 .75-.75Z" />
      </svg>
      PNG
    </Button>
  );
}
