import { BadUserInputError } from "../errors/app-errors";
import { decodeCursor, type Position } from "./cursor";

/** The sizes every paged list follows (GRAPHQL_DEFAULT_PAGE_SIZE, GRAPHQL_MAX_PAGE_SIZE). */
export interface PageLimits {
  /** Items returned when the caller names no `first`; also the size the cost estimate assumes. */
  readonly defaultSize: number;
  /** The largest `first` accepted. */
  readonly maxSize: number;
}

/** What a caller asked for, as the GraphQL arguments carry it. */
export interface PageArguments {
  readonly first?: number | null;
  readonly after?: string | null;
}

/** A validated page: at most `size` items following `after` (from the start without it). */
export interface Page {
  readonly size: number;
  readonly after?: Position;
  /** Equal for equal pages, so a per-request loader can batch lists of one page shape. */
  readonly key: string;
}

export function toPage(page: PageArguments, limits: PageLimits): Page {
  const { first, after } = page;
  if (first !== undefined && first !== null) {
    if (!Number.isInteger(first) || first < 0 || first > limits.maxSize) {
      throw new BadUserInputError(`first must be from 0 to ${limits.maxSize}.`, "first");
    }
  }
  const size = first ?? Math.min(limits.defaultSize, limits.maxSize);
  const position = after === undefined || after === null ? undefined : decodeCursor(after);
  return {
    size,
    after: position,
    key: position ? `${size}:${position.createdAt.getTime()}:${position.id}` : `${size}:`,
  };
}
