/** Who or what made a change: a person, an API key, a connection's sync, or the hub itself. */
export type ActorKind = 'user' | 'apiKey' | 'connection' | 'system';

export interface Actor {
  kind: ActorKind;
  id: string;
}

export const systemActor = (id: string): Actor => ({ kind: 'system', id });

/** The compact form kept on records (`updated_by`): 'user:alice', 'connection:tryton-main'. */
export function actorLabel(actor: Actor): string {
  return `${actor.kind}:${actor.id}`;
}
