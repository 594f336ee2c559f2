-- AlterTable
ALTER TABLE "layer_timings" ADD COLUMN     "samples_ms" REAL[] DEFAULT ARRAY[]::REAL[];
