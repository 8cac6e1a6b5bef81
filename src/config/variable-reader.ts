import type { Parser } from "./parsers";
import { type Declaration, type VariableName, VARIABLES } from "./variables";

export type Env = Record<string, string | undefined>;

type ValueOf<N extends VariableName> =
  (typeof VARIABLES)[N]["parser"] extends Parser<infer T> ? T : never;
type Read<N extends VariableName> = (typeof VARIABLES)[N] extends { default: string }
  ? ValueOf<N>
  : ValueOf<N> | undefined;

/**
 * Reads declared variables from `env`, recording problems in `problems`. A blank variable is
 * unset. An unset or invalid one takes its declared default, else `fallback` (for defaults that
 * depend on other variables), so later checks still see a value; the caller throws when there
 * is any problem, so such a stand-in never reaches a running server.
 */
export function variableReader(env: Env, cwd: string, problems: string[]) {
  function read<N extends VariableName>(name: N): Read<N>;
  function read<N extends VariableName>(name: N, fallback: ValueOf<N>): ValueOf<N>;
  function read(name: VariableName, fallback?: unknown): unknown {
    const declaration: Declaration<unknown> = VARIABLES[name];
    const context = { name, cwd, problems };
    const raw = env[name]?.trim();
    if (raw) {
      const value = declaration.parser.parse(raw, context);
      if (value !== undefined) return value;
    }
    return "default" in declaration
      ? declaration.parser.parse(declaration.default, context)
      : fallback;
  }
  const isSet = (name: VariableName): boolean => Boolean(env[name]?.trim());
  return { read, isSet };
}
