/**
 * Text typed into a form but not yet saved, kept in memory (never in storage) so that a session
 * that ends under the person's hands does not take their typing with it: after they sign in
 * again, the field holds what it held. A draft belongs to the user who typed it, and is dropped
 * when someone else signs in or the person signs out.
 */
interface Draft {
  readonly userId: string;
  readonly text: string;
}

const drafts = new Map<string, Draft>();

export const draftStore = {
  /** The draft of `field` typed by `userId`; another user's is discarded rather than shown. */
  read(field: string, userId: string): string {
    const draft = drafts.get(field);
    if (draft && draft.userId !== userId) drafts.delete(field);
    return draft?.userId === userId ? draft.text : "";
  },
  keep(field: string, userId: string, text: string): void {
    if (text) drafts.set(field, { userId, text });
    else drafts.delete(field);
  },
  clear(): void {
    drafts.clear();
  },
};
