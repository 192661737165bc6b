// Server-rendered pages with liquidjs. Output is HTML-escaped by default (outputEscape), so anything a
// user or an API author wrote is inert unless a template says `| raw` on purpose.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Liquid } from "liquidjs";

/** Views and assets sit next to the sources; a compiled build (dist/) reads them from src/. */
export function portalDir(sub: "views" | "assets"): string {
  const here = fileURLToPath(new URL(`./${sub}/`, import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL(`../../src/portal/${sub}/`, import.meta.url));
}

export type RenderView = (view: string, data: Record<string, unknown>) => Promise<string>;

export function createViews(): RenderView {
  const engine = new Liquid({
    root: portalDir("views"),
    extname: ".liquid",
    outputEscape: "escape",
    cache: true,
    strictFilters: true,
  });
  return (view, data) => engine.renderFile(view, data) as Promise<string>;
}
