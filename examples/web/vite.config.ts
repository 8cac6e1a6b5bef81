import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The browser only ever talks to its own origin: `/graphql` is proxied to the API, so the refresh
// cookie (HttpOnly, SameSite=Strict, Path=/graphql) is a first-party cookie and no CORS is needed.
// In production, put the app and the API behind one reverse proxy the same way.
const apiUrl = process.env.API_URL ?? "http://127.0.0.1:4000";
// `ws: true` passes the WebSocket upgrade of subscriptions on the same path.
const proxy = { "/graphql": { target: apiUrl, ws: true } };

export default defineConfig({
  plugins: [react()],
  server: { proxy },
  preview: { proxy },
});
