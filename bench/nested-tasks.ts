import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomBytes, randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { at, postGraphQL } from "./load";

export const NESTED_OWNERS = 10;
export const NESTED_TASKS = 100;
const TASKS_PER_OWNER = NESTED_TASKS / NESTED_OWNERS;
const USER_ADD_TIMEOUT_MILLIS = 60_000;

/** The issue-11 document: every task with the owner fields any reader of the task may see. */
export const NESTED_TASKS_QUERY = `query { allTasks(first: ${NESTED_TASKS}) { id title done owner { id displayName } } }`;
const REGISTER_MUTATION =
  "mutation Register($input: RegisterInput!) { register(input: $input) { accessToken } }";
const CREATE_TASK_MUTATION =
  "mutation Create($input: NewTaskInput!) { createTask(input: $input) { id } }";
const LOGIN_MUTATION =
  "mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }";
const ROLES_QUERY = "{ me { roles } }";

const isText = (value: unknown): value is string => typeof value === "string" && value !== "";

/**
 * Whether one reply to NESTED_TASKS_QUERY is right: no `errors`, exactly NESTED_TASKS tasks, each
 * with its scalars and an owner with an id and a display name. Parsed for every reply of the
 * load (some 20 kB), which costs the load generator tens of microseconds, not the server.
 */
export function isNestedTasksAnswer(text: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return false;
  }
  if (at(body, ["errors"]) !== undefined) return false;
  const tasks = at(body, ["data", "allTasks"]);
  return (
    Array.isArray(tasks) &&
    tasks.length === NESTED_TASKS &&
    tasks.every(
      (task: unknown) =>
        isText(at(task, ["id"])) &&
        typeof at(task, ["title"]) === "string" &&
        typeof at(task, ["done"]) === "boolean" &&
        isText(at(task, ["owner", "id"])) &&
        isText(at(task, ["owner", "displayName"])),
    )
  );
}

/** Registers an owner through the API and creates its share of the tasks with its token. */
async function seedOwner(url: string, ownerNumber: number): Promise<string[]> {
  const input = {
    email: `bench-owner-${randomUUID()}@example.com`,
    password: randomBytes(18).toString("base64url"),
    displayName: `Bench owner ${ownerNumber}`,
  };
  const registered = await postGraphQL(
    url,
    JSON.stringify({ query: REGISTER_MUTATION, variables: { input } }),
  );
  const accessToken = at(registered.body, ["data", "register", "accessToken"]);
  if (registered.status !== 200 || typeof accessToken !== "string") {
    throw new Error(`register of a task owner failed (${registered.status}): ${registered.text}`);
  }
  const ids: string[] = [];
  for (let task = 1; task <= TASKS_PER_OWNER; task++) {
    const created = await postGraphQL(
      url,
      JSON.stringify({
        query: CREATE_TASK_MUTATION,
        variables: { input: { title: `Task ${task} of owner ${ownerNumber}` } },
      }),
      { authorization: `Bearer ${accessToken}` },
    );
    const id = at(created.body, ["data", "createTask", "id"]);
    if (created.status !== 200 || typeof id !== "string") {
      throw new Error(`createTask failed (${created.status}): ${created.text}`);
    }
    ids.push(id);
  }
  return ids;
}

/**
 * Creates (or updates) a user with `npm run user:add`'s script, against the measured server's
 * database and environment: the API grants no role to a newcomer, and going through the CLI
 * uses the same services and audit trail an operator's EDITOR gets.
 */
async function addUserWithCli(
  launch: { readonly env: NodeJS.ProcessEnv; readonly cwd: string },
  args: readonly string[],
): Promise<void> {
  const child = spawn(process.execPath, [resolve(__dirname, "../src/cli/user-add.js"), ...args], {
    cwd: launch.cwd,
    env: launch.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const timer = setTimeout(() => child.kill("SIGKILL"), USER_ADD_TIMEOUT_MILLIS);
  try {
    const [code] = (await once(child, "exit")) as [number | null];
    if (code !== 0) throw new Error(`user:add exited with ${code}: ${output.trim()}`);
  } finally {
    clearTimeout(timer);
  }
}

/** An EDITOR made by the CLI, signed in through the API. */
async function signInEditor(
  url: string,
  launch: { readonly env: NodeJS.ProcessEnv; readonly cwd: string },
): Promise<Record<string, string>> {
  const email = `bench-editor-${randomUUID()}@example.com`;
  const password = randomBytes(18).toString("base64url");
  await addUserWithCli(launch, [
    "--email",
    email,
    "--password",
    password,
    "--roles",
    "EDITOR",
    "--name",
    "Bench editor",
  ]);
  const login = await postGraphQL(
    url,
    JSON.stringify({ query: LOGIN_MUTATION, variables: { input: { email, password } } }),
  );
  const accessToken = at(login.body, ["data", "login", "accessToken"]);
  if (login.status !== 200 || typeof accessToken !== "string") {
    throw new Error(`login of the EDITOR failed (${login.status}): ${login.text}`);
  }
  const authorization = { authorization: `Bearer ${accessToken}` };
  const me = await postGraphQL(url, JSON.stringify({ query: ROLES_QUERY }), authorization);
  const roles = at(me.body, ["data", "me", "roles"]);
  if (me.status !== 200 || !Array.isArray(roles) || roles.join() !== "EDITOR") {
    throw new Error(`the EDITOR's token does not carry the EDITOR role (${me.status}): ${me.text}`);
  }
  return authorization;
}

/**
 * Seeds NESTED_TASKS tasks over NESTED_OWNERS owners, signs in an EDITOR and checks one reply
 * against the seed: the load then measures exactly these tasks, not older rows of a shared
 * BENCH_DATABASE_URL.
 */
export async function prepareNestedTasks(
  url: string,
  launch: { readonly env: NodeJS.ProcessEnv; readonly cwd: string },
) {
  const seeded = (
    await Promise.all(
      Array.from({ length: NESTED_OWNERS }, (_, index) => seedOwner(url, index + 1)),
    )
  ).flat();
  const authorization = await signInEditor(url, launch);
  const body = JSON.stringify({ query: NESTED_TASKS_QUERY });
  const reply = await postGraphQL(url, body, authorization);
  if (reply.status !== 200 || !isNestedTasksAnswer(reply.text)) {
    throw new Error(`allTasks as an EDITOR failed (${reply.status}): ${reply.text.slice(0, 2000)}`);
  }
  const tasks = at(reply.body, ["data", "allTasks"]) as { id: string; owner: { id: string } }[];
  const served = new Set(tasks.map((task) => task.id));
  const owners = new Set(tasks.map((task) => task.owner.id));
  if (seeded.some((id) => !served.has(id)) || owners.size !== NESTED_OWNERS) {
    throw new Error(
      `allTasks(first: ${NESTED_TASKS}) did not return the ${NESTED_TASKS} seeded tasks of ` +
        `${NESTED_OWNERS} owners (does the database hold older tasks?)`,
    );
  }
  return { body, authorization };
}
