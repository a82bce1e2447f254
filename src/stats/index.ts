// Public API of troupe's statistics: pure functions, all randomness through a seed.
export type { Label } from "./agreement-labels.ts";
export {
  approximateRandomization,
  type RandomizationOptions,
  type RandomizationResult,
} from "./approximate-randomization.ts";
export { binomialCdf, binomialPmf, binomialTwoSidedP } from "./binomial.ts";
export { type PercentileBootstrapOptions, percentileBootstrap } from "./bootstrap.ts";
export {
  type ClusterPlanInput,
  clusterMeanVariance,
  clustersForHalfWidth,
  halfWidthForClusters,
} from "./cluster-planning.ts";
export { type CohenKappaOptions, type CohenKappaResult, cohenKappa } from "./cohen-kappa.ts";
export { mean, quantile, quantileSorted, standardDeviation, variance } from "./descriptive.ts";
export { type FleissKappaResult, fleissKappa, fleissKappaFromLabels } from "./fleiss-kappa.ts";
export {
  type HierarchicalBootstrapOptions,
  hierarchicalBootstrap,
  pairedHierarchicalBootstrap,
} from "./hierarchical-bootstrap.ts";
export type {
  BootstrapOptions,
  BootstrapResult,
  Interval,
  PairedBootstrapResult,
} from "./interval.ts";
export { type KendallResult, kendallTauB } from "./kendall.ts";
export {
  type KrippendorffOptions,
  type KrippendorffResult,
  krippendorffAlpha,
  type MeasurementLevel,
} from "./krippendorff-alpha.ts";
export { type McNemarMethod, type McNemarResult, mcnemarTest } from "./mcnemar.ts";
export { type Nested, nestedDepth, nestedLeaves, nestedMean } from "./nested.ts";
export { normalCdf, normalQuantile, normalSf, normalTwoSidedP } from "./normal.ts";
export { pairedBootstrap } from "./paired-bootstrap.ts";
export {
  type MinimumDetectableEffect,
  minimumDetectableEffect,
  type PairedDesign,
  pairedSampleSize,
  pairedTTestPower,
} from "./paired-power.ts";
export { type RandomSource, toRng } from "./random-source.ts";
export { averageRanks } from "./ranks.ts";
export { pairedSignTest, type SignTestResult, signTest } from "./sign-test.ts";
export { type SpearmanResult, spearman } from "./spearman.ts";
export { studentTCdf, studentTQuantile, studentTTwoSidedP } from "./student-t.ts";
export {
  type VarianceComponent,
  type VarianceDecomposition,
  varianceComponents,
} from "./variance-components.ts";
export { type WilsonOptions, wilsonInterval } from "./wilson.ts";
