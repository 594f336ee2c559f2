-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ModelFormat" AS ENUM ('onnx', 'tflite');

-- CreateEnum
CREATE TYPE "ArtifactVariant" AS ENUM ('original', 'int8_qdq');

-- CreateEnum
CREATE TYPE "DeviceStatus" AS ENUM ('online', 'busy', 'offline');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "models" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_artifacts" (
    "id" UUID NOT NULL,
    "model_id" UUID NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "format" "ModelFormat" NOT NULL,
    "variant" "ArtifactVariant" NOT NULL DEFAULT 'original',
    "derived_from_id" UUID,
    "file_name" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "storage_path" TEXT NOT NULL,
    "inputs" JSONB NOT NULL,
    "outputs" JSONB NOT NULL,
    "op_histogram" JSONB NOT NULL,
    "node_count" INTEGER NOT NULL,
    "parameter_count" BIGINT NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_artifacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_tokens" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "agent_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agents" (
    "id" UUID NOT NULL,
    "token_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "last_heartbeat_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "devices" (
    "id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "serial" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "transport" TEXT NOT NULL,
    "cpu_model" TEXT NOT NULL,
    "soc" TEXT,
    "cores" INTEGER NOT NULL,
    "ram_bytes" BIGINT NOT NULL,
    "os_version" TEXT NOT NULL,
    "abi" TEXT NOT NULL,
    "frameworks" JSONB NOT NULL,
    "status" "DeviceStatus" NOT NULL DEFAULT 'online',
    "last_heartbeat_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "devices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "benchmark_runs" (
    "id" UUID NOT NULL,
    "model_id" UUID NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'queued',
    "request" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "benchmark_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "benchmark_jobs" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "device_id" UUID NOT NULL,
    "artifact_id" UUID NOT NULL,
    "framework" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "progress" JSONB,
    "error_code" TEXT,
    "error_message" TEXT,
    "queued_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "benchmark_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "benchmark_results" (
    "id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "framework" TEXT NOT NULL,
    "framework_version" TEXT NOT NULL,
    "threads" INTEGER NOT NULL,
    "latencies_ms" DOUBLE PRECISION[],
    "runs" INTEGER NOT NULL,
    "median_ms" DOUBLE PRECISION NOT NULL,
    "mean_ms" DOUBLE PRECISION NOT NULL,
    "p90_ms" DOUBLE PRECISION NOT NULL,
    "p99_ms" DOUBLE PRECISION NOT NULL,
    "min_ms" DOUBLE PRECISION NOT NULL,
    "max_ms" DOUBLE PRECISION NOT NULL,
    "std_ms" DOUBLE PRECISION NOT NULL,
    "cv" DOUBLE PRECISION NOT NULL,
    "load_ms" DOUBLE PRECISION NOT NULL,
    "first_inference_ms" DOUBLE PRECISION NOT NULL,
    "peak_memory_bytes" BIGINT,
    "output_digest" TEXT NOT NULL,
    "profiled_runs" INTEGER NOT NULL,
    "environment" JSONB NOT NULL,
    "cpu_governor" TEXT,
    "cpu_freq_mhz" DOUBLE PRECISION,
    "temperature_c" DOUBLE PRECISION,
    "notes" TEXT[],
    "agreement" JSONB,
    "started_at" TIMESTAMP(3) NOT NULL,
    "finished_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "benchmark_results_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "layer_timings" (
    "id" BIGSERIAL NOT NULL,
    "result_id" UUID NOT NULL,
    "idx" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "op_type" TEXT NOT NULL,
    "op_class" TEXT NOT NULL,
    "time_ms" DOUBLE PRECISION NOT NULL,
    "share" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "layer_timings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "model_artifacts_sha256_key" ON "model_artifacts"("sha256");

-- CreateIndex
CREATE INDEX "model_artifacts_model_id_idx" ON "model_artifacts"("model_id");

-- CreateIndex
CREATE UNIQUE INDEX "agent_tokens_token_hash_key" ON "agent_tokens"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "agents_token_id_name_key" ON "agents"("token_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "devices_agent_id_serial_key" ON "devices"("agent_id", "serial");

-- CreateIndex
CREATE INDEX "benchmark_runs_model_id_idx" ON "benchmark_runs"("model_id");

-- CreateIndex
CREATE INDEX "benchmark_jobs_run_id_idx" ON "benchmark_jobs"("run_id");

-- CreateIndex
CREATE INDEX "benchmark_jobs_device_id_status_idx" ON "benchmark_jobs"("device_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "benchmark_results_job_id_key" ON "benchmark_results"("job_id");

-- CreateIndex
CREATE INDEX "layer_timings_result_id_idx" ON "layer_timings"("result_id");

-- AddForeignKey
ALTER TABLE "model_artifacts" ADD CONSTRAINT "model_artifacts_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_artifacts" ADD CONSTRAINT "model_artifacts_derived_from_id_fkey" FOREIGN KEY ("derived_from_id") REFERENCES "model_artifacts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agents" ADD CONSTRAINT "agents_token_id_fkey" FOREIGN KEY ("token_id") REFERENCES "agent_tokens"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "devices" ADD CONSTRAINT "devices_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "benchmark_runs" ADD CONSTRAINT "benchmark_runs_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "benchmark_jobs" ADD CONSTRAINT "benchmark_jobs_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "benchmark_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "benchmark_jobs" ADD CONSTRAINT "benchmark_jobs_device_id_fkey" FOREIGN KEY ("device_id") REFERENCES "devices"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "benchmark_jobs" ADD CONSTRAINT "benchmark_jobs_artifact_id_fkey" FOREIGN KEY ("artifact_id") REFERENCES "model_artifacts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "benchmark_results" ADD CONSTRAINT "benchmark_results_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "benchmark_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "layer_timings" ADD CONSTRAINT "layer_timings_result_id_fkey" FOREIGN KEY ("result_id") REFERENCES "benchmark_results"("id") ON DELETE CASCADE ON UPDATE CASCADE;
