import type { Page } from '../../master/store';

/** What a list resolver returns: the page, plus a count that runs only if the query selects totalCount. */
export interface ConnectionParent<T> {
  page: Page<T>;
  totalCount: () => Promise<number>;
}

/** Edges, nodes, pageInfo and totalCount of any list, typed for its node. */
export function connectionResolvers<T>() {
  return {
    edges: (p: ConnectionParent<T>) => p.page.rows.map((node, i) => ({ node, cursor: p.page.cursors[i]! })),
    nodes: (p: ConnectionParent<T>) => p.page.rows,
    pageInfo: (p: ConnectionParent<T>) => ({
      hasNextPage: p.page.hasNextPage,
      hasPreviousPage: p.page.hasPreviousPage,
      startCursor: p.page.cursors[0] ?? null,
      endCursor: p.page.cursors.at(-1) ?? null,
    }),
    totalCount: (p: ConnectionParent<T>) => p.totalCount(),
  };
}
