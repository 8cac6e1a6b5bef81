import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppConfig, ConfigError, loadConfig } from "../../src/config/config";

/** 40 bytes, 30 distinct characters: acceptable everywhere. */
export const STRONG_SECRET = "Zq7-vR2pLm9xW4tK8sN3bH6yJ1cF5dG0aE-Ux_Oi";

export type Env = Record<string, string | undefined>;

/**
 * loadConfig in a fresh temporary working directory per test (registered as beforeEach and
 * afterEach), so no test ever writes under the project. `defaults` are set under every `env`.
 */
export function configUnderTempDir(defaults: Env = {}) {
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "config-test-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (env: Env = {}): AppConfig => loadConfig({ ...defaults, ...env }, { cwd: dir });
  /** The problems a ConfigError lists for `env`; fails the test when loading succeeds. */
  const problemsOf = (env: Env): string[] => {
    try {
      load(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    throw new Error("expected loadConfig to throw a ConfigError");
  };
  return { load, problemsOf, cwd: () => dir };
}
