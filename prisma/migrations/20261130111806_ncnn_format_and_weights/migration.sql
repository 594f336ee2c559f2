-- AlterEnum
ALTER TYPE "ModelFormat" ADD VALUE 'ncnn';

-- AlterTable
ALTER TABLE "model_artifacts" ADD COLUMN     "weights_sha256" CHAR(64),
ADD COLUMN     "weights_size_bytes" INTEGER;
