/** `1 candidate`, `2,000 candidates`: a count and its noun, which agree. */
export const plural = (count: number, one: string, many = `${one}s`): string =>
  `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
