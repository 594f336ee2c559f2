-- DropIndex
DROP INDEX "layer_timings_result_id_idx";

-- AlterTable
ALTER TABLE "layer_timings" DROP CONSTRAINT "layer_timings_pkey",
DROP COLUMN "id",
ADD CONSTRAINT "layer_timings_pkey" PRIMARY KEY ("result_id", "idx");
