import { useState } from "preact/hooks";
import { signIn } from "../api/client.ts";
import type { SessionUser } from "../api/types.ts";

/** Name and password; the server sets an HttpOnly session cookie. */
export function SignIn({
  onSignedIn,
  notice,
}: {
  onSignedIn: (user: SessionUser) => void;
  notice?: string | undefined;
}) {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | undefined>(notice);
  const [busy, setBusy] = useState(false);
  return (
    <main class="centered">
      <form
        class="card signin"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            onSignedIn(await signIn(name.trim(), password));
          } catch (e) {
            setError((e as Error).message);
            setBusy(false);
          }
        }}
      >
        <h1>Sign in to troupe</h1>
        <label>
          Name
          <input
            name="name"
            autocomplete="username"
            required
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p class="hint">
          No account? On the server: <code>troupe user add &lt;name&gt; --password-stdin</code>
        </p>
      </form>
    </main>
  );
}
