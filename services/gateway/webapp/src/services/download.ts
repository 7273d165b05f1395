// A server-written file (导出 Excel) fetched with the session's token and handed to the browser as a download.
import { session } from "./api";

/** Download `path` with the query; answers the query's full count and the file's row cap (from the headers). */
export async function downloadXlsx(path: string, query: Record<string, string | number>, fileName: string): Promise<{ total: number; cap: number }> {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
  const response = await fetch(url, { headers: { authorization: `Bearer ${session.get()?.token ?? ""}` } });
  if (!response.ok) throw new Error(String(response.status));
  const total = Number(response.headers.get("x-total-count"));
  const cap = Number(response.headers.get("x-row-cap"));
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  return { total, cap };
}
