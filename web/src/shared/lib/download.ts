/** Starts a browser download of `href` (a data: or blob: URL) under `filename`. */
export function downloadHref(href: string, filename: string): void {
  const link = document.createElement('a');
  link.href = href;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}

export function downloadText(text: string, filename: string, mime = 'text/csv;charset=utf-8'): void {
  // A BOM lets spreadsheet apps detect UTF-8 (currency symbols).
  const blob = new Blob(['\uFEFF', text], { type: mime });
  const url = URL.createObjectURL(blob);
  downloadHref(url, filename);
  // Revoke later: the browser reads the blob asynchronously after the click.
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}
