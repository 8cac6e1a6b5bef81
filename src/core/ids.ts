import { BadUserInputError } from "../errors/app-errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every id of this API is a UUID; anything else is refused before it reaches the database. */
export function parseId(id: string, field = "id"): string {
  if (!UUID.test(id)) throw new BadUserInputError("Invalid id.", field);
  return id.toLowerCase();
}
