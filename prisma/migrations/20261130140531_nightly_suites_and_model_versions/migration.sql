-- CreateEnum
CREATE TYPE "NightKind" AS ENUM ('night', 'confirmation');

-- CreateEnum
CREATE TYPE "NightStatus" AS ENUM ('running', 'confirming', 'evaluated', 'failed');

-- CreateEnum
CREATE TYPE "RegressionState" AS ENUM ('suspected', 'open', 'acknowledged', 'resolved', 'false_alarm');

-- AlterTable
ALTER TABLE "benchmark_runs" ADD COLUMN     "night_id" UUID;

-- AlterTable
ALTER TABLE "model_artifacts" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "models" ADD COLUMN     "slug" TEXT;

-- CreateTable
CREATE TABLE "suites" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "cron" TEXT,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "suites_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "suite_nights" (
    "id" UUID NOT NULL,
    "suite_id" UUID NOT NULL,
    "night_key" TEXT NOT NULL,
    "kind" "NightKind" NOT NULL DEFAULT 'night',
    "trigger" TEXT NOT NULL,
    "parent_id" UUID,
    "status" "NightStatus" NOT NULL DEFAULT 'running',
    "resolved" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "evaluated_at" TIMESTAMP(3),

    CONSTRAINT "suite_nights_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "regressions" (
    "id" UUID NOT NULL,
    "suite_id" UUID NOT NULL,
    "night_id" UUID NOT NULL,
    "cell_key" TEXT NOT NULL,
    "model_id" UUID NOT NULL,
    "device_id" UUID NOT NULL,
    "framework" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "direction" TEXT NOT NULL,
    "state" "RegressionState" NOT NULL DEFAULT 'suspected',
    "detection" JSONB NOT NULL,
    "confirmation" JSONB,
    "attribution" JSONB,
    "likely_cause" TEXT,
    "result_id" UUID NOT NULL,
    "baseline_result_id" UUID NOT NULL,
    "confirm_result_id" UUID,
    "alerted_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "regressions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "suites_name_key" ON "suites"("name");

-- CreateIndex
CREATE INDEX "suite_nights_suite_id_created_at_idx" ON "suite_nights"("suite_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "suite_nights_suite_id_night_key_key" ON "suite_nights"("suite_id", "night_key");

-- CreateIndex
CREATE INDEX "regressions_suite_id_state_idx" ON "regressions"("suite_id", "state");

-- CreateIndex
CREATE UNIQUE INDEX "regressions_night_id_cell_key_key" ON "regressions"("night_id", "cell_key");

-- CreateIndex
CREATE INDEX "benchmark_runs_night_id_idx" ON "benchmark_runs"("night_id");

-- CreateIndex
CREATE UNIQUE INDEX "models_slug_key" ON "models"("slug");

-- AddForeignKey
ALTER TABLE "benchmark_runs" ADD CONSTRAINT "benchmark_runs_night_id_fkey" FOREIGN KEY ("night_id") REFERENCES "suite_nights"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "suite_nights" ADD CONSTRAINT "suite_nights_suite_id_fkey" FOREIGN KEY ("suite_id") REFERENCES "suites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "suite_nights" ADD CONSTRAINT "suite_nights_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "suite_nights"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "regressions" ADD CONSTRAINT "regressions_suite_id_fkey" FOREIGN KEY ("suite_id") REFERENCES "suites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "regressions" ADD CONSTRAINT "regressions_night_id_fkey" FOREIGN KEY ("night_id") REFERENCES "suite_nights"("id") ON DELETE CASCADE ON UPDATE CASCADE;
