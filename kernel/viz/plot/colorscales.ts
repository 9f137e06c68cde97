// Colorscales beyond plotly.js's built-in names (Viridis, RdBu, Blues, ...): the matplotlib maps
// the courses' seaborn plots use.

export type Colorscale = string | readonly (readonly [number, string])[];

// matplotlib's coolwarm at nine evenly spaced stops (plotly interpolates between them)
const COOLWARM: [number, string][] = [
  [0, "rgb(59, 76, 192)"], [0.125, "rgb(98, 130, 234)"], [0.25, "rgb(141, 176, 254)"],
  [0.375, "rgb(185, 208, 249)"], [0.5, "rgb(221, 220, 220)"], [0.625, "rgb(245, 196, 172)"],
  [0.75, "rgb(244, 152, 122)"], [0.875, "rgb(221, 95, 75)"], [1, "rgb(180, 4, 38)"],
];

const NAMED: Record<string, [number, string][]> = { coolwarm: COOLWARM };

/** The colorscale as plotly.js takes it: its own names pass through, matplotlib's become stops. */
export function colorscale(c: Colorscale): Colorscale {
  return typeof c === "string" ? (NAMED[c.toLowerCase()] ?? c) : c;
}
