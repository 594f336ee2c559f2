-- AlterTable
ALTER TABLE "benchmark_results" ADD COLUMN     "iqr_ms" DOUBLE PRECISION,
ADD COLUMN     "layer_basis" TEXT,
ADD COLUMN     "layer_note" TEXT,
ADD COLUMN     "layer_sum_ms" DOUBLE PRECISION,
ADD COLUMN     "layer_sum_ratio" DOUBLE PRECISION,
ADD COLUMN     "mad_ms" DOUBLE PRECISION,
ADD COLUMN     "median_ci_high_ms" DOUBLE PRECISION,
ADD COLUMN     "median_ci_level" DOUBLE PRECISION,
ADD COLUMN     "median_ci_low_ms" DOUBLE PRECISION,
ADD COLUMN     "outliers_high" INTEGER,
ADD COLUMN     "outliers_low" INTEGER,
ADD COLUMN     "robust_spread" DOUBLE PRECISION;
