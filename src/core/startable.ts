/** A part of the application that holds resources: connections, timers, a listening socket. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}
