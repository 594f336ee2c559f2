-- CreateEnum
CREATE TYPE "ConversionStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed');

-- AlterEnum
ALTER TYPE "JobStatus" ADD VALUE 'waiting';

-- AlterTable
ALTER TABLE "benchmark_jobs" ADD COLUMN     "conversion_id" UUID;

-- CreateTable
CREATE TABLE "conversions" (
    "id" UUID NOT NULL,
    "model_id" UUID NOT NULL,
    "source_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "calibration" TEXT NOT NULL,
    "status" "ConversionStatus" NOT NULL DEFAULT 'queued',
    "generation" INTEGER NOT NULL DEFAULT 1,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "artifact_id" UUID,
    "reused" BOOLEAN NOT NULL DEFAULT false,
    "report" JSONB,
    "error_code" TEXT,
    "error_message" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "queued_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "conversions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "conversions_status_idx" ON "conversions"("status");

-- CreateIndex
CREATE UNIQUE INDEX "conversions_source_id_kind_calibration_key" ON "conversions"("source_id", "kind", "calibration");

-- CreateIndex
CREATE INDEX "benchmark_jobs_conversion_id_idx" ON "benchmark_jobs"("conversion_id");

-- AddForeignKey
ALTER TABLE "benchmark_jobs" ADD CONSTRAINT "benchmark_jobs_conversion_id_fkey" FOREIGN KEY ("conversion_id") REFERENCES "conversions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "model_artifacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_artifact_id_fkey" FOREIGN KEY ("artifact_id") REFERENCES "model_artifacts"("id") ON DELETE SET NULL ON UPDATE CASCADE;
