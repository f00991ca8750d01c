import { type FragmentDefinitionNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/**
 * What a query selects below a field, for resolvers that plan the reads of a whole subtree before GraphQL walks
 * it. It errs only towards "selected": fields under any fragment count whatever its type condition, and @skip and
 * @include are not evaluated, so a plan may read a column or a relation nobody shows, never miss one.
 */
export class Selection {
  private constructor(
    private readonly sets: readonly SelectionSetNode[],
    private readonly fragments: Record<string, FragmentDefinitionNode>,
  ) {}

  /** The selection below the field being resolved (all of its aliases and repeats together). */
  static of(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): Selection {
    const sets = info.fieldNodes.flatMap((f) => (f.selectionSet ? [f.selectionSet] : []));
    return new Selection(sets, info.fragments);
  }

  /** The names of the fields selected here, each once. */
  fieldNames(): string[] {
    const names = new Set<string>();
    this.visit((name) => names.add(name));
    return [...names];
  }

  /** The selection below the fields called `name` here, or null when none is selected. */
  field(name: string): Selection | null {
    const found: SelectionSetNode[] = [];
    let selected = false;
    this.visit((n, set) => {
      if (n !== name) return;
      selected = true;
      if (set) found.push(set);
    });
    return selected ? new Selection(found, this.fragments) : null;
  }

  /** The node selection of a connection: below `nodes` and below `edges { node }`, together; null when neither. */
  nodes(): Selection | null {
    const a = this.field('nodes');
    const b = this.field('edges')?.field('node') ?? null;
    if (!a || !b) return a ?? b;
    return new Selection([...a.sets, ...b.sets], this.fragments);
  }

  /** Calls `fn` with every field selected here, through inline fragments and fragment spreads. */
  private visit(fn: (name: string, selectionSet: SelectionSetNode | undefined) => void): void {
    const walk = (set: SelectionSetNode, spread: ReadonlySet<string>) => {
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD) fn(s.name.value, s.selectionSet);
        else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet, spread);
        else {
          // A fragment spread inside itself is refused by validation; the guard only keeps this walk finite.
          const fragment = this.fragments[s.name.value];
          if (fragment && !spread.has(s.name.value)) walk(fragment.selectionSet, new Set(spread).add(s.name.value));
        }
      }
    };
    for (const set of this.sets) walk(set, new Set());
  }
}
