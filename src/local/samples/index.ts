export * from './datasets';
export { seededRandom, normal } from './random';
export * from './scenarios';
