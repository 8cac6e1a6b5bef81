/** The form accounts are stored and looked up by: what "the same email" means everywhere. */
export function canonicalEmail(email: string): string {
  return email.trim().toLowerCase();
}
