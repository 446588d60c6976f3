import { passwdEntryOf } from '../identity/accounts.ts';

/** The uid of a user name (or a numeric uid as text) through NSS, so directory users resolve too; null when unknown. */
export async function uidOfUser(name: string): Promise<number | null> {
  if (/^\d+$/.test(name)) return Number(name);
  return (await passwdEntryOf(name))?.uid ?? null;
}
