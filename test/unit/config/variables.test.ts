import { configUnderTempDir, STRONG_SECRET } from "../../support/config-loader";
import { generateKeyPairSync } from "node:crypto";
import { loadConfig } from "../../../src/config/config";
import { variableReader } from "../../../src/config/variable-reader";
import { type Declaration, VARIABLES } from "../../../src/config/variables";

const declarations = Object.entries(VARIABLES) as [string, Declaration<unknown>][];

describe("VARIABLES", () => {
  it("declares defaults that parse without a problem", () => {
    for (const [name, declaration] of declarations) {
      if (!("default" in declaration)) continue;
      const problems: string[] = [];
      const value = declaration.parser.parse(declaration.default, { name, cwd: "/", problems });
      expect([name, problems]).toEqual([name, []]);
      expect(value).toBeDefined();
    }
  });

  it("gives every variable a meaning and either a default or what being unset means", () => {
    for (const [name, declaration] of declarations) {
      expect([name, declaration.meaning.length > 0]).toEqual([name, true]);
      const unset = "default" in declaration ? declaration.default : declaration.whenUnset;
      expect([name, unset.length > 0]).toEqual([name, true]);
    }
  });
});

describe("variableReader", () => {
  it("treats blank as unset and falls back to the declared default on a bad value", () => {
    const problems: string[] = [];
    const { read, isSet } = variableReader({ PORT: " 80x ", HOST: "  " }, "/", problems);
    expect(read("PORT")).toBe(4000);
    expect(read("HOST")).toBe("127.0.0.1");
    expect(isSet("HOST")).toBe(false);
    expect(problems).toEqual(["PORT must be an integer from 0 to 65535"]);
  });
});

describe("loadConfig reads the declared variables", () => {
  const { cwd } = configUnderTempDir();

  /** The names loadConfig looks up in `env`. */
  const namesRead = (env: Record<string, string>): Set<string> => {
    const names = new Set<string>();
    const spy = new Proxy(env, {
      get(target, name) {
        if (typeof name === "string") names.add(name);
        return target[name as string];
      },
    });
    loadConfig(spy, { cwd: cwd() });
    return names;
  };

  it("each one, and nothing else", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const symmetric = namesRead({ JWT_SECRET: STRONG_SECRET });
    const asymmetric = namesRead({
      JWT_ALG: "ES256",
      JWT_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      JWT_PUBLIC_KEY: publicKey.export({ type: "spki", format: "pem" }).toString(),
    });
    expect([...new Set([...symmetric, ...asymmetric])].sort()).toEqual(
      Object.keys(VARIABLES).sort(),
    );
  });
});
