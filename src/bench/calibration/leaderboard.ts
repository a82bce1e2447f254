/** One published leaderboard row: category scores and Overall (0–100). */
export interface LeaderboardRow {
  model: string;
  overall: number;
  worlds: number;
  stories: number;
  userPreferences: number;
}

/**
 * The Role-play Benchmark leaderboard as published on the dataset card (11 models; `model_name` spelled as in the
 * evaluations table). Overall = 0.50·Worlds + 0.25·Stories + 0.25·UserPreferences holds on every row to ±0.005.
 */
export const ROLE_PLAY_BENCH_LEADERBOARD: readonly LeaderboardRow[] = [
  { model: "MiniMax-M2-her", overall: 84.65, worlds: 80.55, stories: 79.97, userPreferences: 97.51 },
  { model: "doubao-1.5-pro", overall: 80.64, worlds: 72.83, stories: 81.73, userPreferences: 95.18 },
  { model: "gpt-5.1", overall: 80.63, worlds: 76.62, stories: 72.21, userPreferences: 97.05 },
  { model: "claude-opus-4.5-highthinking", overall: 76.62, worlds: 67.23, stories: 82.1, userPreferences: 89.9 },
  { model: "gemini-3-pro", overall: 75.6, worlds: 62.72, stories: 83.87, userPreferences: 93.08 },
  { model: "claude-opus-4.5-lowthinking", overall: 71.19, worlds: 60.68, stories: 76.89, userPreferences: 86.51 },
  { model: "claude-sonnet-4.5", overall: 69.35, worlds: 55.72, stories: 75.66, userPreferences: 90.28 },
  { model: "gemini-2.5-pro", overall: 68.23, worlds: 52.36, stories: 82.11, userPreferences: 86.08 },
  { model: "deepseek-v3.1", overall: 64.22, worlds: 51.11, stories: 66.45, userPreferences: 88.21 },
  { model: "deepseek-v3.2", overall: 60.27, worlds: 45.81, stories: 66.64, userPreferences: 82.83 },
  { model: "grok-4.1", overall: 48.47, worlds: 29.87, stories: 47.51, userPreferences: 86.64 },
];
