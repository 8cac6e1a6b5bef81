/** Real time passing, for tests of timers, sockets and other processes (never of our clock). */
export const sleep = (ms: number): Promise<void> =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));
