import { lazy, Suspense } from "preact/compat";
import { useEffect, useState } from "preact/hooks";
import { currentSession, signOut, whenSignedOut } from "../api/client.ts";
import type { SessionUser } from "../api/types.ts";
import { Gallery } from "../characters/Gallery.tsx";
import { ChatList } from "../chat/ChatList.tsx";
import { startCapture, stopCapture } from "./capture-instance.ts";
import { linkClick, useRoute } from "./router.ts";
import { SignIn } from "./SignIn.tsx";
import { ThemeToggle } from "./ThemeToggle.tsx";

// The chat screen and the character editor load on first use: the gallery and sign-in stay small.
const loadChatScreen = () => import("../chat/ChatScreen.tsx");
const ChatScreen = lazy(() => loadChatScreen().then((m) => ({ default: m.ChatScreen })));
// Opening a chat by its URL: fetch its code while the session is checked, not after.
if (location.pathname.startsWith("/chats/")) void loadChatScreen();
const CharacterEditor = lazy(() =>
  import("../characters/CharacterEditor.tsx").then((m) => ({ default: m.CharacterEditor })),
);

type Session = { state: "loading" } | { state: "out"; error?: string } | { state: "in"; user: SessionUser };

/** The app: the sign-in screen until there is a session, then the screens of the route. */
export function App() {
  const [session, setSession] = useState<Session>({ state: "loading" });

  const enter = (user: SessionUser) => {
    startCapture(user.id, user.role);
    setSession({ state: "in", user });
  };

  useEffect(() => {
    whenSignedOut(() => {
      void stopCapture();
      setSession({ state: "out", error: "Your session ended. Sign in again." });
    });
    currentSession()
      .then((user) => (user ? enter(user) : setSession({ state: "out" })))
      .catch((error: Error) => setSession({ state: "out", error: error.message }));
  }, []);

  if (session.state === "loading")
    return (
      <main class="centered" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  if (session.state === "out") return <SignIn onSignedIn={enter} notice={session.error} />;
  return (
    <Shell
      user={session.user}
      onSignOut={async () => {
        await stopCapture();
        await signOut().catch(() => {});
        setSession({ state: "out" });
      }}
    />
  );
}

function Shell({ user, onSignOut }: { user: SessionUser; onSignOut: () => void }) {
  const route = useRoute();
  const nav = (path: string, label: string, current: boolean) => (
    <a href={path} onClick={(e) => linkClick(e, path)} aria-current={current ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <div class={`shell route-${route.name}`}>
      <header class="topbar">
        <a class="brand" href="/" onClick={(e) => linkClick(e, "/")}>
          troupe
        </a>
        <nav aria-label="Main">
          {nav("/", "Characters", route.name === "gallery" || route.name === "character")}
          {nav("/chats", "Chats", route.name === "chats" || route.name === "chat")}
        </nav>
        <div class="topbar-end">
          <ThemeToggle />
          <span class="user-name" title="Signed in">
            {user.name}
          </span>
          <button type="button" class="ghost" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <Suspense
        fallback={
          <main class="centered" aria-busy="true">
            <p>Loading…</p>
          </main>
        }
      >
        {route.name === "gallery" && <Gallery />}
        {route.name === "chats" && <ChatList />}
        {route.name === "character" && <CharacterEditor id={route.id} />}
        {route.name === "chat" && <ChatScreen id={route.id} panel={route.panel} />}
      </Suspense>
    </div>
  );
}
