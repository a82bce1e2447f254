import { render } from "preact";
import { App } from "./app/App.tsx";
import { applyTheme, savedTheme } from "./app/theme.ts";
import "./styles.css";

applyTheme(savedTheme());
const root = document.getElementById("app");
if (root) render(<App />, root);
