import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** Process-level suites run the compiled app, exactly as `npm start` does: build it once first. */
export default function globalSetup(): void {
  const root = join(__dirname, "..", "..");
  execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-b", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
}
