-- DropForeignKey
ALTER TABLE "benchmark_jobs" DROP CONSTRAINT "benchmark_jobs_artifact_id_fkey";

-- AddForeignKey
ALTER TABLE "benchmark_jobs" ADD CONSTRAINT "benchmark_jobs_artifact_id_fkey" FOREIGN KEY ("artifact_id") REFERENCES "model_artifacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
