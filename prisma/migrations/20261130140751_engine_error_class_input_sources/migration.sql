-- AlterTable
ALTER TABLE "benchmark_jobs" ADD COLUMN     "error_class" TEXT,
ADD COLUMN     "error_hint" TEXT;

-- AlterTable
ALTER TABLE "benchmark_results" ADD COLUMN     "input_sources" JSONB;
