-- /compare reads one small row per cell instead of every result's layers: each result keeps its
-- per-op-class layer time (summed in layer order, as the API sums them), and compare_cells keeps
-- the latest result of each cell, both written in the result's ingest transaction.

-- AlterTable
ALTER TABLE "benchmark_results" ADD COLUMN "op_class_summary" JSONB;

-- CreateTable
CREATE TABLE "compare_cells" (
    "model_id" UUID NOT NULL,
    "device_id" UUID NOT NULL,
    "framework" TEXT NOT NULL,
    "artifact_id" UUID NOT NULL,
    "compute_units" TEXT NOT NULL,
    "result_id" UUID NOT NULL,
    "finished_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "compare_cells_pkey" PRIMARY KEY ("model_id","device_id","framework","artifact_id","compute_units")
);

-- CreateIndex
CREATE UNIQUE INDEX "compare_cells_result_id_key" ON "compare_cells"("result_id");

-- AddForeignKey
ALTER TABLE "compare_cells" ADD CONSTRAINT "compare_cells_result_id_fkey" FOREIGN KEY ("result_id") REFERENCES "benchmark_results"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- backfill:begin (bench/compare/run.mjs and a test run this part again on rows seeded without it)
-- sum(... ORDER BY idx) adds in layer order, as the API does, so the figures are the same to the last bit.
UPDATE "benchmark_results" r
   SET "op_class_summary" = jsonb_build_object('totalMs', t.total_ms, 'ms', t.by_class)
  FROM (SELECT c.result_id, t0.total_ms, jsonb_object_agg(c.op_class, c.class_ms) AS by_class
          FROM (SELECT result_id, op_class, sum(time_ms ORDER BY idx) AS class_ms FROM "layer_timings" GROUP BY result_id, op_class) c
          JOIN (SELECT result_id, sum(time_ms ORDER BY idx) AS total_ms FROM "layer_timings" GROUP BY result_id) t0 ON t0.result_id = c.result_id
         GROUP BY c.result_id, t0.total_ms) t
 WHERE t.result_id = r.id AND r."op_class_summary" IS NULL;
UPDATE "benchmark_results" SET "op_class_summary" = '{"totalMs": 0, "ms": {}}' WHERE "op_class_summary" IS NULL;

INSERT INTO "compare_cells" ("model_id", "device_id", "framework", "artifact_id", "compute_units", "result_id", "finished_at")
SELECT DISTINCT ON (a.model_id, j.device_id, r.framework, j.artifact_id, COALESCE(j.options->>'computeUnits', ''))
       a.model_id, j.device_id, r.framework, j.artifact_id, COALESCE(j.options->>'computeUnits', ''), r.id, r.finished_at
  FROM "benchmark_results" r
  JOIN "benchmark_jobs" j ON j.id = r.job_id
  JOIN "model_artifacts" a ON a.id = j.artifact_id
 ORDER BY a.model_id, j.device_id, r.framework, j.artifact_id, COALESCE(j.options->>'computeUnits', ''), r.finished_at DESC, r.id DESC
ON CONFLICT ("model_id", "device_id", "framework", "artifact_id", "compute_units") DO UPDATE
   SET "result_id" = excluded."result_id", "finished_at" = excluded."finished_at"
 WHERE (excluded."finished_at", excluded."result_id") > ("compare_cells"."finished_at", "compare_cells"."result_id");
-- backfill:end
