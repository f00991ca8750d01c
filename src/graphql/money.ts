/** A GraphQL Money from an amount and its currency; null when either is missing (an amount never goes alone). */
export const money = (amount: unknown, currency: unknown): { amount: string; currency: string } | null =>
  amount == null || currency == null ? null : { amount: String(amount), currency: String(currency) };
