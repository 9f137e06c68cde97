// The groups of hqq's 2-D quantization view [R, C]: statistics are taken along `axis`, so axis 1
// makes each row a group (scale/zero shaped [R, 1]) and axis 0 each column ([1, C]).

export interface Groups {
  /** number of groups */
  n: number;
  /** elements per group */
  len: number;
  /** flat index of group g's first element */
  start: (g: number) => number;
  /** distance between a group's consecutive elements */
  step: number;
}

export function groups_of(R: number, C: number, axis: 0 | 1): Groups {
  return axis === 1
    ? { n: R, len: C, start: (g) => g * C, step: 1 }
    : { n: C, len: R, start: (g) => g, step: C };
}

