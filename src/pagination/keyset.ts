import { Brackets, type ObjectLiteral, type SelectQueryBuilder } from "typeorm";
import type { Page } from "./page";

/**
 * Restricts a query to the items after the page's cursor in (createdAt, id) order, the order
 * every paged list uses (both columns are indexed for it). Values are converted by the driver as
 * TypeORM writes them, so a cursor compares equal to the stored row on MySQL and SQLite alike.
 */
export function afterPosition<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  alias: string,
  page: Page,
): SelectQueryBuilder<T> {
  if (!page.after) return query;
  const column = query.expressionMap.mainAlias?.metadata.findColumnWithPropertyName("createdAt");
  if (!column) throw new Error(`${alias} has no createdAt column to page on`);
  const createdAt: unknown = query.connection.driver.preparePersistentValue(
    page.after.createdAt,
    column,
  );
  const parameters = { afterCreatedAt: createdAt, afterId: page.after.id };
  return query.andWhere(
    new Brackets((where) =>
      where
        .where(`${alias}.createdAt > :afterCreatedAt`, parameters)
        .orWhere(`(${alias}.createdAt = :afterCreatedAt AND ${alias}.id > :afterId)`, parameters),
    ),
  );
}

/** Keyset order, then at most one page of rows. */
export function pageOf<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  alias: string,
  page: Page,
): SelectQueryBuilder<T> {
  return afterPosition(query, alias, page)
    .orderBy(`${alias}.createdAt`, "ASC")
    .addOrderBy(`${alias}.id`, "ASC")
    .take(page.size);
}
