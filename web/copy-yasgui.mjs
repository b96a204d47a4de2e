// Copies the YASGUI bundle from node_modules into service/static/vendor/yasgui/, so that coprod
// serves the editor itself (no CDN; the query page works offline). Run by `make web`.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "node_modules", "@zazuko", "yasgui");
const target = join(here, "..", "service", "static", "vendor", "yasgui");
const pkg = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
mkdirSync(target, { recursive: true });
for (const name of ["yasgui.min.js", "yasgui.min.css"]) {
  // The source maps are not shipped; drop the comment pointing at them.
  const text = readFileSync(join(source, "build", name), "utf8")
    .replace(/\n?\/[*/]# sourceMappingURL=\S+(\s*\*\/)?\s*$/, "\n");
  writeFileSync(join(target, name), text);
}
writeFileSync(
  join(target, "VERSION"),
  `${pkg.name} ${pkg.version} (licence: ${pkg.license}), copied by web/copy-yasgui.mjs\n`,
);
console.log(`copied ${pkg.name} ${pkg.version} to ${target}`);
