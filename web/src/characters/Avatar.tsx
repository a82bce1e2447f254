import { avatarUrl } from "../api/client.ts";

/** A character's avatar, or its initials when the card has no image. */
export function Avatar({
  id,
  name,
  hasAvatar,
  version,
  size = "md",
}: {
  id: string | null;
  name: string;
  hasAvatar: boolean;
  version?: number;
  size?: "sm" | "md" | "lg";
}) {
  if (id && hasAvatar)
    return <img class={`avatar avatar-${size}`} src={avatarUrl(id, version)} alt="" loading="lazy" decoding="async" />;
  const initials =
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => w[0]?.toUpperCase() ?? "")
      .join("") || "?";
  return (
    <span class={`avatar avatar-${size} avatar-initials`} aria-hidden="true">
      {initials}
    </span>
  );
}
