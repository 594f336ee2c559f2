-- CreateIndex
CREATE INDEX "benchmark_jobs_artifact_id_idx" ON "benchmark_jobs"("artifact_id");

-- CreateIndex
CREATE INDEX "benchmark_jobs_status_queued_at_id_idx" ON "benchmark_jobs"("status", "queued_at", "id");
