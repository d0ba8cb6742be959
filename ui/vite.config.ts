import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// Tauri serves the built files itself; no remote content, relative asset paths.
export default defineConfig({
  plugins: [react()],
  base: "./",
  clearScreen: false,
  build: { outDir: "dist", target: "es2022", sourcemap: false },
  test: { environment: "node" },
});
